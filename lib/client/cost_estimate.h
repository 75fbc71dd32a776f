// What a request will cost before it is sent, and what it cost once the answer is known.
//
// Before a call the client reserves an estimated cost in the limiter (requests, tokens,
// images); afterwards it reconciles with the answer's usage. Everything here is pure: it
// reads JSON text and does no I/O, so it is tested and fuzzed without a server.
//
// Token estimates (copied into the README, "Token estimates"). T(text) below is
// ceil(bytes/4) of the text's UTF-8 bytes without a tokenizer, CountTokens(model, text)
// with one (negative counts are taken as 0).
//
//   Chat completions: prompt = 3 (reply priming) + Σ over messages of (4 + the message's
//     text tokens). A message's text is its `content` string, or the `text` (or `refusal`)
//     of each content part, plus its `name`, plus the function name and arguments of each
//     of its `tool_calls` (and of a legacy `function_call`). Image parts (`image_url`,
//     `input_image`) count 85 tokens each, OpenAI's low-detail cost; other parts (audio,
//     files) count 0. Without a tokenizer the bytes of all of a message's text are added
//     first and rounded up once (4 + ceil(Σ bytes / 4)); with one, each piece is counted
//     on its own and the counts are added. The `tools` and `functions` arrays, if present,
//     add T(their compact JSON) each, since OpenAI counts tool definitions as prompt.
//     Completion budget: `max_completion_tokens`, else `max_tokens`, times `n` (default 1).
//   Legacy completions: prompt = Σ over prompts of T(prompt) (a token-id array counts its
//     length) + T(`suffix`). `prompt` is a string, an array of strings, an array of token
//     ids or an array of token-id arrays; each prompt of a batch gets its own completions.
//     Budget: `max_tokens` (default 16, the server's own default, so it is always a budget)
//     × max(`n`, `best_of`) × the number of prompts.
//   Embeddings: prompt = Σ over `input` of T(string), or the length of a token-id array
//     (a bare token id counts 1); no completion.
//   Image generations: 1 request, images = `n` (default 1), prompt = T(`prompt`) so token
//     limiters see it; no completion.
//   Responses: like chat, with `instructions` as a leading message and `input` as a string
//     (one message) or a list of items: a message counts its `content` string or parts; a
//     `function_call` its name and arguments; a `function_call_output` its `output`; any
//     other item kind T(its compact JSON). Each item adds 4, the request 3; `tools` adds
//     T(its compact JSON). Budget: `max_output_tokens`.
//   Other endpoints: 1 request, 0 tokens; the body is not read (it may be a multipart form).
//
// Without a budget, default_completion_tokens × n is reserved for the completion.
#ifndef LLMGATE_LIB_CLIENT_COST_ESTIMATE_H_
#define LLMGATE_LIB_CLIENT_COST_ESTIMATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "llmgate/client.h"
#include "llmgate/status.h"
#include "llmgate/tokenizer.h"

namespace llmgate::internal {

enum class Endpoint { kChatCompletions, kCompletions, kEmbeddings, kImageGenerations, kResponses, kOther };

// The endpoint of a path relative to the base URL: "/chat/completions", "/v1/embeddings".
// A query string and a trailing slash are ignored; the path matches when it ends with the
// endpoint's segments, so a prefix such as "/v1" or a proxy's mount point does not matter.
// Paths below an endpoint ("/responses/resp_1/cancel") are kOther.
Endpoint EndpointFromPath(std::string_view path);

struct CostEstimate {
  std::string model;  // "" when absent
  int64_t requests = 1;
  int64_t prompt_tokens = 0;  // estimated, see above
  // The completion budget the request names (times n), or the server's default budget
  // (legacy completions); nullopt when the completion is unbounded by the request.
  std::optional<int64_t> completion_budget;
  // What is reserved for the completion: completion_budget, else default_completion_tokens × n.
  int64_t completion_reserve = 0;
  int64_t n = 1;
  int64_t images = 0;  // image generations: n (default 1)
  int64_t tokens() const { return prompt_tokens + completion_reserve; }
};

struct EstimateConfig {
  const Tokenizer* tokenizer = nullptr;  // nullptr: the byte heuristic
  int64_t default_completion_tokens = 1024;
};

// kInvalidArgument when the body is not JSON, not an object, or a field the estimate reads
// has the wrong type or range (the message names the field). kOther bodies are not read.
// Sums saturate at INT64_MAX instead of overflowing.
Result<CostEstimate> EstimateCost(Endpoint endpoint, std::string_view request_json, const EstimateConfig& config);

// Usage from a response body. Chat, completions, embeddings: usage.prompt_tokens,
// completion_tokens, total_tokens; Responses (and gpt-image models): usage.input_tokens,
// output_tokens, total_tokens (either naming is accepted for any endpoint). A missing
// total_tokens is prompt + completion; negative counts read as 0.
struct ParsedUsage {
  Usage usage;             // usage.images: image generations only, the length of "data"
  bool has_usage = false;  // the body has a `usage` object; false: zero tokens, use the estimate
};
ParsedUsage ParseUsage(Endpoint endpoint, std::string_view response_json);

// The tokens to charge once the answer is known, counted as the server counts them: it
// admits a request for prompt tokens plus the completion budget and does not refund unused
// completion tokens. So: actual prompt tokens + max(completion_budget, actual completion
// tokens) when there is a budget, else actual total tokens. Without usage the estimate
// stands: estimate.tokens().
int64_t ChargedTokens(const CostEstimate& estimate, const ParsedUsage& usage);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CLIENT_COST_ESTIMATE_H_
