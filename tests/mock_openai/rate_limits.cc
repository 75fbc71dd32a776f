#include "rate_limits.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llmgate::mock {

const char* DimensionText(Dimension d) {
  switch (d) {
    case Dimension::kRpm:
      return "requests per min (RPM)";
    case Dimension::kTpm:
      return "tokens per min (TPM)";
    case Dimension::kIpm:
      return "images per min (IPM)";
    case Dimension::kRpd:
      return "requests per day (RPD)";
    case Dimension::kTpd:
      return "tokens per day (TPD)";
  }
  return "";
}

const char* DimensionType(Dimension d) {
  switch (d) {
    case Dimension::kRpm:
    case Dimension::kRpd:
      return "requests";
    case Dimension::kTpm:
    case Dimension::kTpd:
      return "tokens";
    case Dimension::kIpm:
      return "images";
  }
  return "";
}

void Limiter::Bucket::Refill(SteadyTime now) {
  if (limit <= 0) return;
  double elapsed = std::chrono::duration<double>(now - last).count();
  if (elapsed > 0) {
    level = std::min(static_cast<double>(limit), level + elapsed * per_second);
    last = now;
  }
}

BucketView Limiter::Bucket::View() const {
  BucketView v;
  if (limit <= 0) return v;
  v.limited = true;
  v.limit = limit;
  v.remaining = static_cast<int64_t>(std::floor(std::max(0.0, level)));
  v.reset_seconds = (static_cast<double>(limit) - level) / per_second;
  return v;
}

void Limiter::Configure(Bucket* b, int64_t limit, double window_seconds, SteadyTime now) {
  if (b->limit == limit && b->last != SteadyTime()) return;
  b->limit = limit;
  b->per_second = limit > 0 ? static_cast<double>(limit) / window_seconds : 0;
  b->level = static_cast<double>(limit);
  b->last = now;
}

Admission Limiter::Admit(const std::string& scope, const Limits& limits, const Cost& cost, SteadyTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  ScopeBuckets& s = scopes_[scope];
  Configure(&s.rpm, limits.rpm, 60, now);
  Configure(&s.tpm, limits.tpm, 60, now);
  Configure(&s.ipm, limits.ipm, 60, now);
  Configure(&s.rpd, limits.rpd, 86400, now);
  Configure(&s.tpd, limits.tpd, 86400, now);

  struct Check {
    Bucket* bucket;
    Dimension dim;
    int64_t amount;
  };
  // Requests first, as OpenAI reports a request limit before a token limit.
  const Check checks[] = {
      {&s.rpm, Dimension::kRpm, cost.requests}, {&s.rpd, Dimension::kRpd, cost.requests},
      {&s.tpm, Dimension::kTpm, cost.tokens},   {&s.tpd, Dimension::kTpd, cost.tokens},
      {&s.ipm, Dimension::kIpm, cost.images},
  };
  Admission a;
  a.admitted = true;
  for (const Check& c : checks) {
    c.bucket->Refill(now);
  }
  // A cost larger than the whole bucket can never be admitted: report it first, since
  // retrying is pointless.
  for (const Check& c : checks) {
    if (c.bucket->limit > 0 && c.amount > c.bucket->limit) {
      a.admitted = false;
      a.too_large = true;
      a.exhausted = c.dim;
      a.limit = c.bucket->limit;
      a.requested = c.amount;
      break;
    }
  }
  if (a.admitted) {
    for (const Check& c : checks) {
      if (c.bucket->limit <= 0 || c.amount <= 0) continue;
      if (c.bucket->level + 1e-9 < static_cast<double>(c.amount)) {
        a.admitted = false;
        a.exhausted = c.dim;
        a.limit = c.bucket->limit;
        a.used = c.bucket->limit - static_cast<int64_t>(std::floor(c.bucket->level));
        a.requested = c.amount;
        a.retry_after_seconds = (static_cast<double>(c.amount) - c.bucket->level) / c.bucket->per_second;
        break;
      }
    }
  }
  if (a.admitted) {
    for (const Check& c : checks) {
      if (c.bucket->limit > 0) c.bucket->level -= static_cast<double>(c.amount);
    }
  }
  a.requests = s.rpm.View();
  a.tokens = s.tpm.View();
  a.images = s.ipm.View();
  return a;
}

void Limiter::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  scopes_.clear();
}

int64_t CeilMillis(double seconds) {
  if (seconds <= 0) return 0;
  // The epsilon keeps 0.1 s from becoming 101 ms through floating-point noise.
  return static_cast<int64_t>(std::ceil(seconds * 1000 - 1e-6));
}

std::string GoDuration(double seconds) {
  int64_t ms = CeilMillis(seconds);
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  int64_t h = ms / 3600000;
  int64_t m = ms / 60000 % 60;
  int64_t s = ms / 1000 % 60;
  int64_t frac = ms % 1000;
  std::string out;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac > 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += "s";
  return out;
}

}  // namespace llmgate::mock
