// Decides which injected fault, if any, hits a request. Random faults draw from one seeded
// generator so that a sequential test sees the same faults on every run.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_FAULTS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_FAULTS_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <vector>

#include "config.h"

namespace llmgate::mock {

class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed) : rng_(seed) {}

  // Restarts the random sequence and forgets queued statuses.
  void Reset(uint64_t seed);

  // Queues statuses that the next API requests answer with, one each.
  void Queue(const std::vector<int>& statuses);

  // The extra delay for this request, in milliseconds.
  int64_t LatencyMs(const Faults& f);

  // An error status to answer with instead of serving the request (a queued one first,
  // then 500 or 503 at their configured rates), or 0 for none.
  int ErrorStatus(const Faults& f);

  // Whether to close the connection part way through this answer's body.
  bool DropConnection(const Faults& f);

 private:
  // Uniform in [0, 1). Draws only when the rate is set, so enabling one fault does not
  // shift the sequence another fault sees in a test that leaves it off.
  bool Chance(double rate);

  std::mutex mu_;
  std::mt19937_64 rng_;
  std::deque<int> queued_;
};

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_FAULTS_H_
