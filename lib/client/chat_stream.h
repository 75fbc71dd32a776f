// The two kinds of ChatStream: one that reads a live event stream as the server sends it,
// and one that replays a cached answer as the chunks a server would have sent.
#ifndef LLMGATE_LIB_CLIENT_CHAT_STREAM_H_
#define LLMGATE_LIB_CLIENT_CHAT_STREAM_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/call_pipeline.h"
#include "http/sse.h"
#include "llmgate/client.h"

namespace llmgate::internal {

// Whether a chunk is the final one that carries only usage ("choices": [] and a usage
// object): passed on only to callers that asked for it.
bool IsUsageOnlyChunk(std::string_view chunk_json);

class LiveChatStream final : public ChatStream {
 public:
  // `result` holds the open exchange of a 2xx answer and its reservation.
  LiveChatStream(CallPipeline* pipeline, CallSpec spec, CallOptions options, CallResult result,
                 bool caller_wants_usage);
  // A stream dropped before its end gives its key's lease back.
  ~LiveChatStream() override;

  Result<std::optional<std::string>> Next() override;
  const Response& response() const override { return response_; }

 private:
  // Reads until a chunk is queued or the stream ends (then finishes it).
  void Pump();
  void Take(std::vector<SseEvent>& events);
  void Finish();
  Status Fail(Status status);

  CallPipeline* pipeline_;
  CallSpec spec_;
  CallOptions options_;
  std::unique_ptr<HttpExchange> exchange_;
  std::optional<KeyChoice> choice_;  // the key, its lease and the reservation
  int64_t started_micros_ = 0;
  CostEstimate estimate_;
  std::string limit_scope_;
  RateLimitHeaders rate_;
  bool caller_wants_usage_;
  Response response_;
  SseParser parser_;
  StreamAssembler assembler_;
  std::deque<std::string> queue_;
  std::string buffer_;
  bool saw_done_ = false;
  bool ended_ = false;
  Status error_;
};

class ReplayChatStream final : public ChatStream {
 public:
  // `response` is a cache hit: its body the assembled chat.completion.
  static Result<std::unique_ptr<ChatStream>> Create(Response response, bool caller_wants_usage);

  Result<std::optional<std::string>> Next() override;
  const Response& response() const override { return response_; }

 private:
  ReplayChatStream() = default;
  Response response_;
  std::vector<std::string> chunks_;
  size_t next_ = 0;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CLIENT_CHAT_STREAM_H_
