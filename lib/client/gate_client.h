// The public Client of a gate: turns each call into a CallSpec for the pipeline and
// streams into ChatStreams.
#ifndef LLMGATE_LIB_CLIENT_GATE_CLIENT_H_
#define LLMGATE_LIB_CLIENT_GATE_CLIENT_H_

#include <memory>
#include <string>

#include "client/call_pipeline.h"
#include "keys/key_groups.h"
#include "client/rate_learning.h"
#include "http/transport.h"
#include "llmgate/client.h"

namespace llmgate::internal {

class GateClient final : public Client {
 public:
  // Fills in `deps`' transport, learner and counters from the objects given.
  GateClient(PipelineDeps deps, std::unique_ptr<HttpTransport> transport, std::unique_ptr<RateLearner> learner);

  Result<Response> ChatCompletions(std::string_view request_json, const CallOptions& options) override;
  Result<Response> Embeddings(std::string_view request_json, const CallOptions& options) override;
  Result<Response> ImageGenerations(std::string_view request_json, const CallOptions& options) override;
  Result<Response> Responses(std::string_view request_json, const CallOptions& options) override;
  Result<Response> Request(const HttpCall& call, const CallOptions& options) override;
  Result<Response> StreamChatCompletions(std::string_view request_json, const ChunkCallback& on_chunk,
                                         const CallOptions& options) override;
  Result<std::unique_ptr<ChatStream>> OpenChatStream(std::string_view request_json,
                                                     const CallOptions& options) override;
  ClientStats Stats() const override { return counters_.Snapshot(); }
  Result<SharedClientStats> SharedStats() override;

 private:
  Result<Response> Call(Endpoint endpoint, std::string_view path, std::string_view request_json,
                        const CallOptions& options);
  Result<Response> Complete(const CallSpec& spec, const CallOptions& options);

  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<RateLearner> learner_;
  ClientCounters counters_;
  std::unique_ptr<CallPipeline> pipeline_;
  KeyStore* key_store_;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CLIENT_GATE_CLIENT_H_
