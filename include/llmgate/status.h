// Errors are values. A Status carries a code that tells the caller what to do next
// (retry, wait, fix the request, fix the credentials), a message for humans, and for
// throttling outcomes the time after which a retry can succeed.
#ifndef LLMGATE_STATUS_H_
#define LLMGATE_STATUS_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "llmgate/export.h"

namespace llmgate {

enum class StatusCode {
  kOk = 0,
  kCancelled,           // the caller cancelled; do not retry
  kInvalidArgument,     // bad input (malformed JSON, unknown limit, bad option); fix and resend
  kNotFound,            // the thing asked for does not exist
  kResourceExhausted,   // throttled: retry after retry_after()
  kQuotaExhausted,      // billing quota gone (insufficient_quota); retrying will not help
  kRequestTooLarge,     // the cost exceeds a whole limit; it can never pass
  kFailedPrecondition,  // the environment is wrong (network filesystem, newer schema, read-only)
  kUnauthenticated,     // the API key is invalid or revoked
  kPermissionDenied,    // the key may not do this
  kUnavailable,         // transient failure (5xx, connection, busy database); retry with backoff
  kDeadlineExceeded,    // the caller's deadline passed first
  kDataLoss,            // a database is corrupt
  kInternal,            // a bug or an unexpected library failure
};

// Name of a code, for logs and messages ("RESOURCE_EXHAUSTED").
LLMGATE_EXPORT std::string_view StatusCodeName(StatusCode code);

class LLMGATE_EXPORT Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // For kResourceExhausted: how long until the request can pass, when known.
  std::optional<std::chrono::milliseconds> retry_after() const { return retry_after_; }
  Status& set_retry_after(std::chrono::milliseconds d) {
    retry_after_ = d;
    return *this;
  }

  // For failures of an HTTP call: the response's status (0 when none arrived: a network
  // failure), the server's request id (x-request-id, for support) and its error.code
  // ("rate_limit_exceeded", "invalid_api_key", ...).
  int http_status() const { return http_status_; }
  const std::string& request_id() const { return request_id_; }
  const std::string& error_code() const { return error_code_; }
  Status& set_http_status(int status) {
    http_status_ = status;
    return *this;
  }
  Status& set_request_id(std::string id) {
    request_id_ = std::move(id);
    return *this;
  }
  Status& set_error_code(std::string code) {
    error_code_ = std::move(code);
    return *this;
  }

  // True when sending the same request again later can succeed.
  bool IsRetryable() const {
    return code_ == StatusCode::kResourceExhausted || code_ == StatusCode::kUnavailable;
  }

  // "RESOURCE_EXHAUSTED: rpm limit of scope ... (retry after 1200 ms)"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::optional<std::chrono::milliseconds> retry_after_;
  int http_status_ = 0;
  std::string request_id_;
  std::string error_code_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none (abseil's StatusOr).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace llmgate

#endif  // LLMGATE_STATUS_H_
