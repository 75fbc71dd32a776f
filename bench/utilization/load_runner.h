// Runs one phase of load: forks the client processes, each with closed-loop caller threads
// that send the workload from a common start time until a common stop time, and collects
// each process's tally.
#ifndef LLMGATE_BENCH_UTILIZATION_LOAD_RUNNER_H_
#define LLMGATE_BENCH_UTILIZATION_LOAD_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "utilization/load_client.h"

namespace llmgate::bench {

struct LoadPlan {
  int processes = 8;
  int threads = 4;
  uint64_t seed = 1;
  // Wall clock (µs since the epoch), the clock of the server's per-second stats.
  int64_t start_us = 0;
  int64_t stop_us = 0;
};

// Makes a process's client; runs in the child after fork().
using ClientFactory = std::function<std::unique_ptr<LoadClient>(int process, std::string* error)>;

// Returns false with *error when a process could not set up its client or died; the
// tallies of the others are still filled in.
bool RunLoad(const LoadPlan& plan, const ClientFactory& factory, std::vector<ProcessTally>* tallies,
             std::string* error);

int64_t UnixMicros();
void SleepUntilUnixMicros(int64_t when_us);

// The text a child sends its parent, and back.
std::string SerializeTally(const ProcessTally& tally);
ProcessTally ParseTally(const std::string& text);

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_LOAD_RUNNER_H_
