// The error an OpenAI-compatible server describes in a failed response's body:
//   {"error": {"message": "...", "type": "...", "param": "...", "code": "..."}}
// Servers and proxies also send {"error": "text"}, top-level {"message": ..., "code": 400}
// (vLLM and others), HTML or nothing at all; each yields what can be read from it.
#ifndef LLMGATE_LIB_HTTP_ERROR_BODY_H_
#define LLMGATE_LIB_HTTP_ERROR_BODY_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace llmgate::internal {

// Messages longer than this are cut (on a UTF-8 boundary): a status message goes into
// logs and exceptions, and an error page must not drag kilobytes of HTML along.
inline constexpr size_t kMaxErrorMessageBytes = 1024;

struct ApiError {
  // True when the body was JSON that described an error (any of the shapes above).
  bool structured = false;
  // error.message; for a body that is not such JSON, the body's own text, trimmed.
  // At most kMaxErrorMessageBytes.
  std::string message;
  std::string type;   // error.type: "requests", "tokens", "insufficient_quota", ...
  std::string param;  // error.param, "" when null
  // error.code: "rate_limit_exceeded", "insufficient_quota", "invalid_api_key", ...; a
  // numeric code (some servers repeat the HTTP status here) is kept as its decimal text.
  std::string code;
};

// Never throws; any input, including invalid UTF-8 and empty bodies, gives an ApiError.
ApiError ParseErrorBody(std::string_view body);

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_ERROR_BODY_H_
