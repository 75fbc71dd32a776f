#include "client/chat_stream.h"

#include <simdjson.h>

#include <utility>

#include "keys/key_scopes.h"
#include "http/error_body.h"
#include "util/json_parser.h"

namespace llmgate::internal {

bool IsUsageOnlyChunk(std::string_view chunk_json) {
  JsonParserLease parser(chunk_json.size());
  simdjson::dom::element root;
  if (parser.get().parse(chunk_json.data(), chunk_json.size()).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::array choices;
  simdjson::dom::object usage;
  return root["choices"].get_array().get(choices) == simdjson::SUCCESS && choices.size() == 0 &&
         root["usage"].get_object().get(usage) == simdjson::SUCCESS;
}

LiveChatStream::LiveChatStream(CallPipeline* pipeline, CallSpec spec, CallOptions options, CallResult result,
                               bool caller_wants_usage)
    : pipeline_(pipeline),
      spec_(std::move(spec)),
      options_(std::move(options)),
      exchange_(std::move(result.stream)),
      choice_(std::move(result.choice)),
      started_micros_(result.started_micros),
      estimate_(std::move(result.estimate)),
      limit_scope_(std::move(result.limit_scope)),
      rate_(std::move(result.rate)),
      caller_wants_usage_(caller_wants_usage),
      response_(std::move(result.response)) {}

LiveChatStream::~LiveChatStream() {
  if (ended_) return;
  exchange_.reset();
  pipeline_->FinishStream(*choice_, started_micros_, Status(StatusCode::kCancelled, "stream abandoned"), Usage{});
}

Result<std::optional<std::string>> LiveChatStream::Next() {
  if (queue_.empty() && !ended_) Pump();
  if (!queue_.empty()) {
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    return std::optional<std::string>(std::move(chunk));
  }
  if (!error_.ok()) return error_;
  return std::optional<std::string>();
}

void LiveChatStream::Pump() {
  std::vector<SseEvent> events;
  while (queue_.empty() && !ended_) {
    buffer_.clear();
    if (exchange_->ReadBody(&buffer_)) {
      parser_.Feed(buffer_, &events);
      Take(events);
      if (parser_.overflowed()) Fail(UnavailableError("stream event larger than the parser's limit"));
      continue;
    }
    parser_.Finish(&events);
    Take(events);
    if (ended_) return;
    const std::optional<TransportError>& error = exchange_->error();
    if (error && error->cancelled) {
      Fail(Status(StatusCode::kCancelled, "stream cancelled"));
    } else if (error) {
      Fail(UnavailableError("stream interrupted after " + std::to_string(assembler_.chunk_count()) +
                            " chunks: " + ScrubSecret(error->detail, *choice_->key)));
    } else {
      // The server closed without "[DONE]": what arrived is passed on, but an answer that
      // may be incomplete is not cached.
      Finish();
    }
  }
}

void LiveChatStream::Take(std::vector<SseEvent>& events) {
  for (SseEvent& event : events) {
    if (ended_) break;
    if (event.done) {
      saw_done_ = true;
      Finish();
      break;
    }
    if (event.data.empty()) continue;
    const ApiError api_error = ParseErrorBody(event.data);
    if (api_error.structured && event.data.find("\"choices\"") == std::string::npos) {
      Fail(UnavailableError("the server reported an error mid-stream: " +
                            ScrubSecret(api_error.message, *choice_->key))
               .set_error_code(api_error.code));
      break;
    }
    if (Status s = assembler_.Add(event.data); !s.ok()) {
      Fail(UnavailableError("stream chunk is not a JSON object"));
      break;
    }
    if (!caller_wants_usage_ && IsUsageOnlyChunk(event.data)) continue;
    queue_.push_back(std::move(event.data));
  }
  events.clear();
}

void LiveChatStream::Finish() {
  ended_ = true;
  exchange_.reset();  // the connection goes back to the pool
  response_.body = assembler_.ToJson();
  spec_.cacheable = spec_.cacheable && saw_done_;
  // The headers are as old as the stream, so the view they give is stricter than the
  // server's by what refilled meanwhile: safe.
  pipeline_->Settle(spec_, options_, estimate_, choice_->reservation, limit_scope_, rate_, &response_);
  pipeline_->FinishStream(*choice_, started_micros_, Status::Ok(), response_.usage);
}

Status LiveChatStream::Fail(Status status) {
  ended_ = true;
  exchange_.reset();
  // The quota stays charged as estimated: the server counted the request when it began.
  status.set_request_id(response_.request_id);
  status.set_http_status(response_.http_status);
  error_ = status;
  pipeline_->FinishStream(*choice_, started_micros_, error_, Usage{});
  pipeline_->CountFailure();
  if (pipeline_->deps().logger) pipeline_->deps().logger->Warn("chat stream failed: ", error_.ToString());
  return error_;
}

Result<std::unique_ptr<ChatStream>> ReplayChatStream::Create(Response response, bool caller_wants_usage) {
  Result<std::vector<std::string>> chunks = SynthesizeChunks(response.body);
  if (!chunks.ok()) return chunks.status();
  std::unique_ptr<ReplayChatStream> stream(new ReplayChatStream());
  for (std::string& chunk : *chunks) {
    if (!caller_wants_usage && IsUsageOnlyChunk(chunk)) continue;
    stream->chunks_.push_back(std::move(chunk));
  }
  stream->response_ = std::move(response);
  return std::unique_ptr<ChatStream>(std::move(stream));
}

Result<std::optional<std::string>> ReplayChatStream::Next() {
  if (next_ >= chunks_.size()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(chunks_[next_++]));
}

}  // namespace llmgate::internal
