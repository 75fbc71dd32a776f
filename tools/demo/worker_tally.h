// What one worker process did, passed to the parent through a file (the workers are
// separate processes, as the applications sharing a state directory would be).
#ifndef LLMGATE_TOOLS_DEMO_WORKER_TALLY_H_
#define LLMGATE_TOOLS_DEMO_WORKER_TALLY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace llmgate::demo {

struct WorkerTally {
  int64_t calls = 0;           // calls that ended with an answer or an error
  int64_t cache_hits = 0;      // answered from the shared cache
  int64_t server_answers = 0;  // answered by the server
  int64_t streams = 0;         // streaming calls among the calls
  int64_t bursts = 0;          // bursts fired
  int64_t failed = 0;          // calls that ended with an error
  int64_t cut_short = 0;       // calls still waiting for quota when the run ended (cancelled)
  std::string first_error;
  std::vector<double> hit_micros;     // each non-streaming cache hit, the whole call
  std::vector<double> answer_millis;  // each server answer, quota waits and retries included

  void Merge(const WorkerTally& other);
};

bool WriteTally(const std::string& path, const WorkerTally& tally);
bool ReadTally(const std::string& path, WorkerTally* tally);

// The p-th percentile (0..100) by nearest rank; 0 for no samples. Sorts `samples`.
double Percentile(std::vector<double>& samples, double p);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_WORKER_TALLY_H_
