// Reads what the cache needs from a response body without keeping a parsed tree.
#ifndef LLMGATE_LIB_CACHE_RESPONSE_USAGE_H_
#define LLMGATE_LIB_CACHE_RESPONSE_USAGE_H_

#include <cstdint>
#include <string_view>

#include "llmgate/status.h"

namespace llmgate::internal {

struct ResponseInfo {
  int64_t total_tokens = 0;  // usage.total_tokens, else prompt+completion or input+output, else 0
  bool is_error = false;     // the body is an API error ({"error": ...}), never cached
};

// kInvalidArgument when the text is not JSON.
Result<ResponseInfo> InspectResponse(std::string_view response_json);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_RESPONSE_USAGE_H_
