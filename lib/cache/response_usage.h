// Reads what the cache needs from a response body without keeping a parsed tree.
#ifndef LLMGATE_LIB_CACHE_RESPONSE_USAGE_H_
#define LLMGATE_LIB_CACHE_RESPONSE_USAGE_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "llmgate/status.h"

namespace llmgate::internal {

struct ResponseInfo {
  int64_t total_tokens = 0;  // usage.total_tokens, else prompt+completion or input+output, else 0
  bool is_error = false;     // the body is an API error ({"error": ...}), never cached
  // For usage reconciliation (lib/client/cost_estimate.h); the cache reads none of these.
  bool has_usage = false;         // the body has a "usage" object
  int64_t prompt_tokens = 0;      // usage.prompt_tokens, else usage.input_tokens
  int64_t completion_tokens = 0;  // usage.completion_tokens, else usage.output_tokens
  std::optional<int64_t> data_items;  // elements of a top-level "data" array (images, embeddings)
};

// kInvalidArgument when the text is not JSON.
Result<ResponseInfo> InspectResponse(std::string_view response_json);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_RESPONSE_USAGE_H_
