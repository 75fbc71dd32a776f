// Latency histogram buckets shared through quota.db: every process adds its answers'
// latencies to the same per-key buckets, so percentiles cover all processes without any
// process keeping a list. Buckets grow by a factor of about 1.19 (2^(1/4)) from 1 ms, so a
// percentile is known within 19 %.
#ifndef LLMGATE_LIB_KEYS_LATENCY_HISTOGRAM_H_
#define LLMGATE_LIB_KEYS_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <map>

namespace llmgate::internal {

inline constexpr int kLatencyBuckets = 80;  // up to about 2^20 ms (17 min); the last takes the rest

// The bucket of a latency; 0 holds everything up to 1 ms.
int LatencyBucket(int64_t micros);

// The upper bound of a bucket, in milliseconds.
int64_t LatencyBucketUpperMillis(int bucket);

// The upper bound of the bucket holding the q-quantile (0 < q <= 1) of `counts`
// (bucket -> count); 0 when empty.
int64_t LatencyQuantileMillis(const std::map<int, int64_t>& counts, double q);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_LATENCY_HISTOGRAM_H_
