#include "faults.h"

namespace llmgate::mock {

void FaultInjector::Reset(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  rng_.seed(seed);
  queued_.clear();
}

void FaultInjector::Queue(const std::vector<int>& statuses) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_.insert(queued_.end(), statuses.begin(), statuses.end());
}

bool FaultInjector::Chance(double rate) {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  // 53 random bits: the same value on every platform, unlike std::uniform_real_distribution.
  double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
  return u < rate;
}

int64_t FaultInjector::LatencyMs(const Faults& f) {
  if (f.latency_jitter_ms <= 0) return f.latency_ms;
  std::lock_guard<std::mutex> lock(mu_);
  return f.latency_ms + static_cast<int64_t>(rng_() % static_cast<uint64_t>(f.latency_jitter_ms + 1));
}

int FaultInjector::ErrorStatus(const Faults& f) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!queued_.empty()) {
    int status = queued_.front();
    queued_.pop_front();
    return status;
  }
  if (Chance(f.error_rate_500)) return 500;
  if (Chance(f.error_rate_503)) return 503;
  return 0;
}

bool FaultInjector::DropConnection(const Faults& f) {
  std::lock_guard<std::mutex> lock(mu_);
  return Chance(f.drop_connection_rate);
}

}  // namespace llmgate::mock
