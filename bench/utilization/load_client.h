// What one client process of a side does per call: the interface the load runner drives,
// implemented by the naive client and by llmgate.
#ifndef LLMGATE_BENCH_UTILIZATION_LOAD_CLIENT_H_
#define LLMGATE_BENCH_UTILIZATION_LOAD_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace llmgate::bench {

struct CallOutcome {
  enum Kind { kOk, kFailed, kCancelled };
  Kind kind = kOk;
  int attempts = 0;  // HTTP attempts (when the client knows them per call)
  int http_429 = 0;  // 429 answers this call saw (likewise)
  std::string error;  // why it failed
};

// The client side's own account of one process (the server's stats are the measure; these
// explain them).
struct ProcessTally {
  int64_t calls_ok = 0;
  int64_t calls_failed = 0;
  int64_t calls_cancelled = 0;  // cut short by the end of the phase: not failures
  int64_t attempts = 0;
  int64_t client_429 = 0;
  std::map<int64_t, int64_t> failed_at;  // unix second -> calls that failed then
  std::string first_error;
};

class LoadClient {
 public:
  virtual ~LoadClient() = default;
  // One call; `thread` (0..threads-1) is the calling thread, each with state of its own.
  // `stop` becomes true at the end of the phase: waits should end then (kCancelled).
  virtual CallOutcome Call(int thread, const std::string& body, const std::atomic<bool>& stop) = 0;
  // Counters the client keeps itself (rather than per call), written into the tally after
  // the load.
  virtual void FinishTally(ProcessTally* /*tally*/) {}
};

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_LOAD_CLIENT_H_
