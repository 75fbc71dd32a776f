// The OpenAI client of a gate. Every call runs one pipeline:
//
//   canonicalize -> cache lookup -> choose the key -> acquire the key's scopes with an
//   estimated cost -> HTTP -> classify -> retry per policy -> reconcile actual usage ->
//   store in cache -> stats
//
// Requests and answers are JSON text, exactly as the API defines them: llmgate does not
// model the API's types, so new API fields pass through untouched.
#ifndef LLMGATE_CLIENT_H_
#define LLMGATE_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmgate/cache.h"
#include "llmgate/export.h"
#include "llmgate/status.h"

namespace llmgate {

// Token counts of one answer, from its `usage` (0 when the answer has none).
struct Usage {
  int64_t prompt_tokens = 0;      // prompt_tokens, or input_tokens (Responses API)
  int64_t completion_tokens = 0;  // completion_tokens, or output_tokens
  int64_t total_tokens = 0;
  int64_t images = 0;             // images generated
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One answer.
struct Response {
  int http_status = 0;         // 200 for a cache hit
  std::string body;            // the JSON answer; for a stream, the assembled chat.completion
  HeaderList headers;          // as received (empty for a cache hit)
  std::string request_id;      // x-request-id ("" for a cache hit)
  bool from_cache = false;
  Usage usage;
  int attempts = 0;            // HTTP attempts made (0 for a cache hit)
  std::string key_label;       // the key that served, as "sk-…abcd" ("" for a cache hit)
};

// Reported before each retry: what failed and how long the client waits.
struct RetryEvent {
  int attempt = 0;                     // the attempt that failed (1 = the first)
  std::chrono::milliseconds delay{0};  // wait before the next one
  Status error;                        // why (code, message, http_status, request id)
  std::string key_label;
};
using RetryCallback = std::function<void(const RetryEvent&)>;

// Per-call settings; the defaults come from Options.
struct CallOptions {
  CacheControl cache;
  // Deadline of the whole call: waits for quota, every attempt and the waits between them.
  // Default: Options::call_timeout.
  std::optional<std::chrono::milliseconds> timeout;
  // When it becomes true the call ends with kCancelled (a wait is cut short, a transfer
  // is aborted) and quota reserved for it is refunded.
  const std::atomic<bool>* cancelled = nullptr;
  // Headers added to the request (after llmgate's own, so they can override them).
  HeaderList headers;
  // Default: Options::max_attempts.
  std::optional<int> max_attempts;
  // Sent as Idempotency-Key on every attempt; default: a random one per call.
  std::string idempotency_key;
};

// A request to any endpoint, for what has no method of its own.
struct HttpCall {
  std::string method = "POST";
  std::string path;  // relative to the base URL: "/files", "/batches/b_1/cancel"; may carry a query
  std::string body;  // JSON, or a multipart form (set content_type with its boundary)
  std::string content_type = "application/json";
  // Default false: a generic call is not cached. true: a POST with a JSON body is cached
  // like the named calls (use it for endpoints whose answer depends only on the request).
  bool cacheable = false;
};

// A chat stream read chunk by chunk, as the server sends them. A cache hit is replayed as
// chunks too. Not thread-safe: one thread reads it.
class LLMGATE_EXPORT ChatStream {
 public:
  virtual ~ChatStream() = default;
  // The next chat.completion.chunk JSON; nullopt once the stream has ended. A failure
  // ends the stream with its error (a stream is only retried before its first chunk).
  virtual Result<std::optional<std::string>> Next() = 0;
  // After the end (Next returned nullopt): the assembled chat.completion and its usage.
  virtual const Response& response() const = 0;
};

// Called with each chunk's JSON; return false to stop the stream (the call then ends with
// kCancelled).
using ChunkCallback = std::function<bool(std::string_view chunk_json)>;

// Counters of this gate's calls in this process.
struct ClientStats {
  int64_t calls = 0;
  int64_t cache_hits = 0;
  int64_t http_attempts = 0;
  int64_t retries = 0;
  int64_t http_429 = 0;
  int64_t failures = 0;        // calls that ended with an error
  int64_t prompt_tokens = 0;   // as the answers' usage reports
  int64_t completion_tokens = 0;
  // Calls that waited for an identical call under way (Options::cache_single_flight).
  int64_t single_flight_waits = 0;
};

// Counters of every process of the state directory (kept in quota.db). Requests, successes
// and tokens per key are in KeyHealth; hits and tokens saved in CacheStats.
struct SharedClientStats {
  int64_t retries = 0;      // retries after a failed attempt
  int64_t http_429 = 0;     // 429 answers met
  int64_t failures = 0;     // calls that ended with an error
  int64_t waits = 0;        // waits for quota or for a key to come back
  int64_t wait_millis = 0;  // their total length
  int64_t single_flight_waits = 0;  // calls that waited for an identical call under way
};

class LLMGATE_EXPORT Client {
 public:
  virtual ~Client() = default;

  // POST /chat/completions. A body with "stream": true is sent without streaming (the
  // streaming calls below stream).
  virtual Result<Response> ChatCompletions(std::string_view request_json, const CallOptions& options = {}) = 0;
  // POST /embeddings.
  virtual Result<Response> Embeddings(std::string_view request_json, const CallOptions& options = {}) = 0;
  // POST /images/generations; its "n" counts against the images dimension (IPM).
  virtual Result<Response> ImageGenerations(std::string_view request_json, const CallOptions& options = {}) = 0;
  // POST /responses.
  virtual Result<Response> Responses(std::string_view request_json, const CallOptions& options = {}) = 0;
  // Any other endpoint; counted as one request.
  virtual Result<Response> Request(const HttpCall& call, const CallOptions& options = {}) = 0;

  // Streams a chat completion: `on_chunk` gets each chunk as it arrives, and the result is
  // the assembled response. "stream": true and stream_options.include_usage are set for
  // the caller; the final usage chunk is passed on only when the request asked for it.
  virtual Result<Response> StreamChatCompletions(std::string_view request_json, const ChunkCallback& on_chunk,
                                                 const CallOptions& options = {}) = 0;
  // The same, pull style: the request is sent (and a cache lookup made) by this call.
  virtual Result<std::unique_ptr<ChatStream>> OpenChatStream(std::string_view request_json,
                                                             const CallOptions& options = {}) = 0;

  // This process's counters.
  virtual ClientStats Stats() const = 0;
  // Every process's counters.
  virtual Result<SharedClientStats> SharedStats() = 0;
};

}  // namespace llmgate

#endif  // LLMGATE_CLIENT_H_
