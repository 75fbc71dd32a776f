// Percentiles of latency samples.
#ifndef LLMGATE_BENCH_LATENCY_H_
#define LLMGATE_BENCH_LATENCY_H_

#include <cstdint>
#include <vector>

namespace llmgate::bench {

int64_t MonotonicNanos();

// The p-th percentile (0..100) of the samples, in the samples' unit; sorts them.
double Percentile(std::vector<double>& samples, double p);

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_LATENCY_H_
