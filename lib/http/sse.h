// Server-sent events (text/event-stream) as OpenAI streams them, and the conversion
// between a stream of chat.completion.chunk objects and the one chat.completion they add
// up to: the cache stores the complete response, and a cached response is replayed to a
// streaming caller as chunks.
#ifndef LLMGATE_LIB_HTTP_SSE_H_
#define LLMGATE_LIB_HTTP_SSE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmgate/status.h"

namespace llmgate::internal {

struct SseEvent {
  std::string event;  // the "event:" field; empty means the default type, "message"
  std::string data;   // the "data:" lines joined with "\n"
  std::string id;     // the last "id:" seen so far (ids persist across events, per the spec)
  bool done = false;  // data is "[DONE]", OpenAI's end-of-stream sentinel
};

// An incremental parser following the WHATWG event-stream rules: input may be split
// anywhere (mid-line, mid-"\r\n", mid-UTF-8); lines end in "\r\n", "\n" or "\r"; a
// leading byte-order mark is dropped; ":" lines are comments (keep-alives); one space
// after "field:" is dropped; an event is dispatched at a blank line when it has data.
class SseParser {
 public:
  // A partial line or event larger than `max_event_bytes` stops the parser (overflowed()):
  // a server that never ends a line must not exhaust memory.
  explicit SseParser(size_t max_event_bytes = size_t{16} << 20);

  // Parses `bytes` and appends the events they complete to `events`.
  void Feed(std::string_view bytes, std::vector<SseEvent>* events);

  // End of input. Unlike the WHATWG rules, which drop an event the stream did not end with
  // a blank line, the pending event is dispatched: a server that closes right after its
  // last "data:" line has still said it.
  void Finish(std::vector<SseEvent>* events);

  bool done() const { return done_; }              // a "[DONE]" event was dispatched
  bool overflowed() const { return overflowed_; }  // input past max_event_bytes; ignored since
  // The last "retry:" field (reconnection time in ms), if any.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }

 private:
  void ProcessLine(std::string_view line, std::vector<SseEvent>* events);
  void Dispatch(std::vector<SseEvent>* events);
  void CheckSize(size_t pending);

  size_t max_event_bytes_;
  std::string partial_line_;  // an unterminated line carried over to the next Feed
  bool skip_lf_ = false;      // the last Feed ended in '\r': a leading '\n' completes it
  bool first_line_ = true;    // the BOM can only precede the first line
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  std::string last_id_;
  std::optional<int64_t> retry_ms_;
  bool done_ = false;
  bool overflowed_ = false;
};

// One event's wire form: "event: <event>\n" when given, a "data: " line per line of
// `data`, then the blank line.
std::string FormatSseEvent(std::string_view data, std::string_view event = {});
inline constexpr std::string_view kSseDoneEvent = "data: [DONE]\n\n";

// Builds the chat.completion that a stream of chat.completion.chunk objects describes, as
// the non-streamed endpoint would have returned it:
//   id, created, model, system_fingerprint, service_tier (first values seen);
//   choices ordered by index, each with message.role, message.content (concatenated; null
//   when no chunk carried a string), message.refusal (when any), message.tool_calls
//   (by index: the first id and type, function.name, function.arguments concatenated),
//   the legacy message.function_call, logprobs (content and refusal arrays concatenated;
//   null when no chunk had any) and the last finish_reason;
//   usage from the chunk that carries it (stream_options.include_usage), omitted otherwise.
// Other fields are not kept. Some servers repeat a tool call's id or name in every delta:
// an id is kept from the first delta, and a name equal to the one held is not appended.
class StreamAssembler {
 public:
  StreamAssembler();
  ~StreamAssembler();
  StreamAssembler(const StreamAssembler&) = delete;
  StreamAssembler& operator=(const StreamAssembler&) = delete;

  // Adds one chunk, the data of one event (not "[DONE]"). Data that is not a JSON object
  // gives kInvalidArgument and changes nothing.
  Status Add(std::string_view chunk_json);

  // The chat.completion JSON of what has been added so far.
  std::string ToJson() const;

  int chunk_count() const;
  bool has_usage() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Splits a chat.completion into the chat.completion.chunk objects a streaming server
// would have sent, so that a cached response can be replayed to a streaming caller: per
// choice, a role chunk, the content (and refusal) in pieces of at most `piece_bytes`
// (never splitting a UTF-8 sequence), the legacy function_call, each tool call (a head
// with id, type and name, then the arguments in pieces), a finish_reason chunk; then a
// final chunk with no choices and the usage, when the response has one. A choice's
// logprobs ride whole on its first content chunk. StreamAssembler turns the result back
// into an equivalent chat.completion. kInvalidArgument if the input is not a JSON object
// with a "choices" array.
Result<std::vector<std::string>> SynthesizeChunks(std::string_view completion_json, size_t piece_bytes = 64);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_SSE_H_
