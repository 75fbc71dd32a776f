#include "keys/latency_histogram.h"

#include <cmath>

namespace llmgate::internal {

int LatencyBucket(int64_t micros) {
  if (micros <= 1000) return 0;
  const double quarters = 4.0 * std::log2(static_cast<double>(micros) / 1000.0);
  const int bucket = static_cast<int>(std::ceil(quarters - 1e-9));
  return bucket < kLatencyBuckets - 1 ? bucket : kLatencyBuckets - 1;
}

int64_t LatencyBucketUpperMillis(int bucket) {
  if (bucket <= 0) return 1;
  return static_cast<int64_t>(std::ceil(std::exp2(bucket / 4.0) - 1e-9));
}

int64_t LatencyQuantileMillis(const std::map<int, int64_t>& counts, double q) {
  int64_t total = 0;
  for (const auto& [bucket, n] : counts) total += n;
  if (total == 0) return 0;
  const double rank = q * static_cast<double>(total);
  int64_t seen = 0;
  for (const auto& [bucket, n] : counts) {
    seen += n;
    if (static_cast<double>(seen) >= rank) return LatencyBucketUpperMillis(bucket);
  }
  return LatencyBucketUpperMillis(counts.rbegin()->first);
}

}  // namespace llmgate::internal
