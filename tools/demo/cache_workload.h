// One demo worker: a process that asks a stream of chat requests, a few of them popular,
// answers misses itself (standing in for the API) and records how long hits take.
#ifndef LLMGATE_TOOLS_DEMO_CACHE_WORKLOAD_H_
#define LLMGATE_TOOLS_DEMO_CACHE_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

namespace llmgate::demo {

struct WorkerConfig {
  std::string state_dir;
  int worker = 0;
  int requests = 2000;   // requests this worker asks
  int distinct = 400;    // distinct prompts shared by all workers
};

struct WorkerResult {
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t errors = 0;
  std::vector<double> hit_micros;  // latency of every hit
};

// Runs the workload in the calling process (the demo forks one process per worker).
WorkerResult RunWorker(const WorkerConfig& config);

// A chat request of about 2 KiB for prompt number `i`.
std::string DemoRequest(int i);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_CACHE_WORKLOAD_H_
