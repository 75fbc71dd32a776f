#include "client/gate_client.h"

#include <utility>

#include "client/chat_stream.h"
#include "client/request_body.h"

namespace llmgate::internal {
namespace {

// OpenAI's image URLs stop working after an hour, so an answer holding URLs is cached for
// less than that unless the caller chose a TTL (base64 answers keep the default).
constexpr std::chrono::seconds kImageUrlTtl{55 * 60};

}  // namespace

GateClient::GateClient(PipelineDeps deps, std::unique_ptr<HttpTransport> transport,
                       std::unique_ptr<RateLearner> learner)
    : transport_(std::move(transport)), learner_(std::move(learner)) {
  deps.transport = transport_.get();
  deps.learner = learner_.get();
  deps.counters = &counters_;
  key_store_ = deps.key_store;
  pipeline_ = std::make_unique<CallPipeline>(std::move(deps));
}

Result<SharedClientStats> GateClient::SharedStats() {
  SharedClientStats stats;
  if (!key_store_) return stats;
  Result<std::map<std::string, int64_t>> counters = key_store_->Counters();
  if (!counters.ok()) return counters.status();
  auto get = [&](const char* name) {
    auto it = counters->find(name);
    return it == counters->end() ? int64_t{0} : it->second;
  };
  stats.retries = get("retries");
  stats.http_429 = get("http_429");
  stats.failures = get("failures");
  stats.waits = get("waits");
  stats.wait_millis = get("wait_millis");
  stats.single_flight_waits = get("single_flight_waits");
  return stats;
}

Result<Response> GateClient::Complete(const CallSpec& spec, const CallOptions& options) {
  Result<CallResult> result = pipeline_->Run(spec, options);
  if (!result.ok()) return result.status();
  return std::move(result->response);
}

Result<Response> GateClient::Call(Endpoint endpoint, std::string_view path, std::string_view request_json,
                                  const CallOptions& options) {
  CallSpec spec;
  spec.endpoint = endpoint;
  spec.path = std::string(path);
  spec.body = std::string(request_json);
  spec.cache_body = spec.body;
  return Complete(spec, options);
}

Result<Response> GateClient::ChatCompletions(std::string_view request_json, const CallOptions& options) {
  // A request that asks for a stream gets the same answer, streamed underneath and assembled.
  if (RequestsStream(request_json)) return StreamChatCompletions(request_json, nullptr, options);
  return Call(Endpoint::kChatCompletions, "/chat/completions", request_json, options);
}

Result<Response> GateClient::Embeddings(std::string_view request_json, const CallOptions& options) {
  return Call(Endpoint::kEmbeddings, "/embeddings", request_json, options);
}

Result<Response> GateClient::ImageGenerations(std::string_view request_json, const CallOptions& options) {
  if (options.cache.ttl || request_json.find("b64_json") != std::string_view::npos)
    return Call(Endpoint::kImageGenerations, "/images/generations", request_json, options);
  CallOptions with_ttl = options;
  with_ttl.cache.ttl = kImageUrlTtl;
  return Call(Endpoint::kImageGenerations, "/images/generations", request_json, with_ttl);
}

Result<Response> GateClient::Responses(std::string_view request_json, const CallOptions& options) {
  return Call(Endpoint::kResponses, "/responses", request_json, options);
}

Result<Response> GateClient::Request(const HttpCall& call, const CallOptions& options) {
  if (call.path.empty() || call.path[0] != '/') return InvalidArgumentError("HttpCall::path must start with '/'");
  CallSpec spec;
  const bool json = call.content_type.rfind("application/json", 0) == 0;
  // A JSON call to a known endpoint is estimated like the named call; anything else
  // counts as one request.
  spec.endpoint = json && call.method == "POST" ? EndpointFromPath(call.path) : Endpoint::kOther;
  spec.method = call.method;
  spec.path = call.path;
  spec.body = call.body;
  spec.cache_body = call.body;
  spec.content_type = call.content_type;
  spec.cacheable = call.cacheable && json && call.method == "POST";
  return Complete(spec, options);
}

Result<std::unique_ptr<ChatStream>> GateClient::OpenChatStream(std::string_view request_json,
                                                               const CallOptions& options) {
  Result<StreamBody> body = MakeStreamBody(request_json);
  if (!body.ok()) return body.status();
  CallSpec spec;
  spec.endpoint = Endpoint::kChatCompletions;
  spec.path = "/chat/completions";
  spec.body = std::move(body->json);
  spec.cache_body = std::string(request_json);
  spec.stream = true;
  Result<CallResult> result = pipeline_->Run(spec, options);
  if (!result.ok()) return result.status();
  if (result->response.from_cache)
    return ReplayChatStream::Create(std::move(result->response), body->caller_wants_usage);
  return std::unique_ptr<ChatStream>(new LiveChatStream(pipeline_.get(), std::move(spec), options,
                                                        std::move(result).value(), body->caller_wants_usage));
}

Result<Response> GateClient::StreamChatCompletions(std::string_view request_json, const ChunkCallback& on_chunk,
                                                   const CallOptions& options) {
  Result<std::unique_ptr<ChatStream>> stream = OpenChatStream(request_json, options);
  if (!stream.ok()) return stream.status();
  for (;;) {
    Result<std::optional<std::string>> chunk = (*stream)->Next();
    if (!chunk.ok()) return chunk.status();
    if (!*chunk) break;
    if (on_chunk && !on_chunk(**chunk)) return Status(StatusCode::kCancelled, "stream stopped by the chunk callback");
  }
  return (*stream)->response();
}

}  // namespace llmgate::internal
