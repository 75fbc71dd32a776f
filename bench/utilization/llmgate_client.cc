#include "utilization/llmgate_client.h"

namespace llmgate::bench {

std::unique_ptr<LlmgateClient> LlmgateClient::Open(const GateSetup& setup, std::string* error) {
  Options options;
  options.state_dir = setup.state_dir;
  options.base_url = setup.base_url;
  options.api_key = setup.api_key;
  options.learn_limits = setup.learn_limits;
  options.limits = setup.limits;
  // The benchmark defines the limits; the environment of whoever runs it must not.
  options.limits_from_env = false;
  Result<std::unique_ptr<Gate>> gate = Gate::Open(options);
  if (!gate.ok()) {
    *error = "Gate::Open: " + gate.status().ToString();
    return nullptr;
  }
  return std::unique_ptr<LlmgateClient>(new LlmgateClient(std::move(gate).value()));
}

CallOutcome LlmgateClient::Call(int /*thread*/, const std::string& body, const std::atomic<bool>& stop) {
  CallOptions options;
  options.cancelled = &stop;
  Result<Response> r = gate_->client().ChatCompletions(body, options);
  CallOutcome out;
  if (r.ok()) {
    out.attempts = r->attempts;
    return out;
  }
  // The end of the phase cuts quota waits short: that is not a failure of the call.
  out.kind = stop.load() && r.status().code() == StatusCode::kCancelled ? CallOutcome::kCancelled
                                                                         : CallOutcome::kFailed;
  out.error = r.status().ToString();
  return out;
}

void LlmgateClient::FinishTally(ProcessTally* tally) {
  // Retries happen inside the client: its own counters know the attempts and the 429s.
  ClientStats s = gate_->client().Stats();
  tally->attempts = s.http_attempts;
  tally->client_429 = s.http_429;
}

}  // namespace llmgate::bench
