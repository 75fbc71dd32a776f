// Rate limits the way OpenAI applies them: per organization (or organization × model)
// buckets that refill continuously, limit/60 per second for the per-minute limits and
// limit/86400 per second for the per-day ones, each holding at most `limit`.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_RATE_LIMITS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_RATE_LIMITS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "config.h"

namespace llmgate::mock {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class Dimension { kRpm, kTpm, kIpm, kRpd, kTpd };

// "requests per min (RPM)" and friends, as they appear in OpenAI's messages.
const char* DimensionText(Dimension d);
// The error "type" OpenAI reports for a dimension: "requests", "tokens" or "images".
const char* DimensionType(Dimension d);

struct Cost {
  int64_t requests = 1;
  int64_t tokens = 0;
  int64_t images = 0;
};

// State of one per-minute bucket after the decision, for the x-ratelimit-* headers.
struct BucketView {
  bool limited = false;  // false: unlimited, send no header for it
  int64_t limit = 0;
  int64_t remaining = 0;
  double reset_seconds = 0;  // until the bucket is full again
};

struct Admission {
  bool admitted = false;
  // The cost exceeds the whole limit: waiting cannot help ("Request too large").
  bool too_large = false;
  Dimension exhausted = Dimension::kRpm;
  int64_t limit = 0;
  int64_t used = 0;
  int64_t requested = 0;
  double retry_after_seconds = 0;
  BucketView requests;
  BucketView tokens;
  BucketView images;
};

class Limiter {
 public:
  // Admits `cost` against every limited dimension of `scope`, or none of them: a request
  // denied on tokens does not use up a request either.
  Admission Admit(const std::string& scope, const Limits& limits, const Cost& cost, SteadyTime now);

  // Refills every bucket.
  void Reset();

 private:
  struct Bucket {
    int64_t limit = 0;
    double per_second = 0;
    double level = 0;
    SteadyTime last;

    void Refill(SteadyTime now);
    BucketView View() const;
  };
  struct ScopeBuckets {
    Bucket rpm, tpm, ipm, rpd, tpd;
  };

  // A bucket whose limit changed (a runtime config change) starts over, full.
  static void Configure(Bucket* b, int64_t limit, double window_seconds, SteadyTime now);

  std::mutex mu_;
  std::map<std::string, ScopeBuckets> scopes_;
};

// Formats a duration the way Go's time.Duration.String() does at millisecond resolution,
// as OpenAI's reset headers do: "0s", "12ms", "1s", "6m0s", "4m12.172s", "23h18m29.144s".
// Rounds up so that waiting that long is always enough.
std::string GoDuration(double seconds);

// Milliseconds to wait, rounded up.
int64_t CeilMillis(double seconds);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_RATE_LIMITS_H_
