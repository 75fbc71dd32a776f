// One demo worker process: several threads of one application share one Gate and send a
// realistic mix through it for a fixed time — steady users with think time, occasional
// bursts of requests fired back to back from several threads, a few streaming calls.
#ifndef LLMGATE_TOOLS_DEMO_WORKLOAD_H_
#define LLMGATE_TOOLS_DEMO_WORKLOAD_H_

#include <cstdint>
#include <string>

#include "demo/worker_tally.h"

namespace llmgate::demo {

struct WorkerPlan {
  int index = 0;
  std::string state_dir;
  std::string keys_file;
  std::string base_url;
  int64_t stop_unix_us = 0;  // when every thread stops; calls still waiting are cancelled
  int steady_threads = 3;    // users asking one question after another, thinking ~40 ms between
  int burst_threads = 6;     // threads of a burst, each sending burst_requests back to back
  int burst_requests = 3;
  double stream_share = 0.05;  // share of the steady users' calls that stream
};

// Runs in the calling process with a Gate of its own (the demo forks one process per worker).
// False with *error when the gate could not be opened.
bool RunWorker(const WorkerPlan& plan, WorkerTally* tally, std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_WORKLOAD_H_
