// llmgate's side: every process opens a Gate on one shared state directory and calls the
// API through its client, which shares one quota across the processes.
#ifndef LLMGATE_BENCH_UTILIZATION_LLMGATE_CLIENT_H_
#define LLMGATE_BENCH_UTILIZATION_LLMGATE_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "llmgate/llmgate.h"
#include "utilization/load_client.h"

namespace llmgate::bench {

struct GateSetup {
  std::string state_dir;  // shared by the processes of one phase, fresh for each phase
  std::string base_url;
  std::string api_key;
  bool learn_limits = true;
  std::vector<Limit> limits;  // configured limits (none: learned from the server's headers)
};

class LlmgateClient final : public LoadClient {
 public:
  // Opens the gate; null with *error when it cannot.
  static std::unique_ptr<LlmgateClient> Open(const GateSetup& setup, std::string* error);

  CallOutcome Call(int thread, const std::string& body, const std::atomic<bool>& stop) override;
  void FinishTally(ProcessTally* tally) override;

 private:
  explicit LlmgateClient(std::unique_ptr<Gate> gate) : gate_(std::move(gate)) {}
  std::unique_ptr<Gate> gate_;
};

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_LLMGATE_CLIENT_H_
