// Server-side counts, so tests and benchmarks can check what the server actually saw
// instead of trusting the client under test. Thread-safe.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_STATS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_STATS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace llmgate::mock {

// One finished API request.
struct Event {
  std::string key_label;  // "...abcd", never the key
  std::string org;        // empty when the key was not recognized
  // "ok", "429_requests", "429_tokens", "429_images", "429_too_large", "401",
  // "insufficient_quota", "400", "404", "500", "503" (any injected status by its number)
  // or "dropped".
  std::string outcome;
  bool admitted = false;  // passed the rate limiter
  int64_t admitted_tokens = 0;
  int64_t admitted_images = 0;
  int64_t prompt_tokens = 0;  // usage reported in the answer
  int64_t completion_tokens = 0;
};

class Stats {
 public:
  // Per-second series older than this are dropped so a long benchmark cannot grow the
  // mock without bound.
  static constexpr int64_t kSeriesSeconds = 3600;

  void Record(const Event& e, int64_t unix_second);
  void Reset();
  // Everything as one JSON object; the series only from `since_unix_second` on.
  std::string ToJson(int64_t since_unix_second) const;

 private:
  struct Totals {
    int64_t requests = 0;
    std::map<std::string, int64_t> outcomes;
    int64_t admitted_requests = 0;
    int64_t admitted_tokens = 0;
    int64_t admitted_images = 0;
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    std::string org;

    void Add(const Event& e);
  };
  struct Second {
    std::string org;
    int64_t requests = 0;
    int64_t admitted_requests = 0;
    int64_t admitted_tokens = 0;
    int64_t http_429 = 0;
  };

  mutable std::mutex mu_;
  Totals totals_;
  std::map<std::string, Totals> keys_;
  std::map<std::string, Totals> orgs_;
  std::map<std::pair<int64_t, std::string>, Second> series_;
};

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_STATS_H_
