// What to make of an HTTP exchange and what to do next: classify a response (or a
// transport failure), compute how long to wait, and decide between retrying, stopping and
// giving up at the deadline. Pure functions: the caller passes the time and a source of
// randomness, so every decision is reproducible in a test.
//
// The policy follows openai-python (3 attempts, min(0.5 s * 2^n, 8 s) minus up to 25 %
// jitter, server hints first) so that a program moving to llmgate sees the same behaviour,
// and differs where noted below.
#ifndef LLMGATE_LIB_HTTP_RETRY_POLICY_H_
#define LLMGATE_LIB_HTTP_RETRY_POLICY_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "http/error_body.h"
#include "http/headers.h"
#include "http/ratelimit_headers.h"
#include "llmgate/status.h"

namespace llmgate::internal {

enum class Outcome {
  kSuccess,           // 2xx
  kRateLimited,       // 429 other than the two below: retried
  kQuotaExhausted,    // insufficient_quota (429, or 402/4xx from compatible servers): billing, never retried
  kRequestTooLarge,   // "Request too large" on any 4xx: exceeds a whole limit, never retried
  kInvalidRequest,    // 400, 404, 422 and every other 4xx not named here: not retried
  kAuthentication,    // 401: not retried (the key pool disables the key)
  kPermissionDenied,  // 403: not retried
  kConflict,          // 409: retried
  kTimeout,           // 408: retried
  kServerError,       // 5xx except 501 and 505: retried
  kNetwork,           // connect failure, dropped connection, transport timeout: retried
  kUnexpected,        // 1xx/3xx, 501, 505, TLS failures: the setup is wrong; not retried
};

std::string_view OutcomeName(Outcome o);  // "rate_limited", ...

// Whether the outcome is worth retrying on its own (without x-should-retry).
bool IsRetryable(Outcome o);

// The public code for an outcome. Retried outcomes map to kResourceExhausted (throttled) or
// kUnavailable, the two codes Status::IsRetryable() accepts; 408 and transport timeouts are
// kUnavailable too, because kDeadlineExceeded means the caller's own deadline passed.
StatusCode ToStatusCode(Outcome o);

// Failures below HTTP, as the transport reports them.
enum class TransportFailure {
  kConnect,  // DNS, refused, unreachable: the request was not sent
  kDropped,  // reset, closed early, empty or partial reply: the request may have been processed
  kTimeout,  // no complete response in time
  kTls,      // handshake or certificate rejected: retrying the same setup cannot help
  kTooLarge,  // the body passed the transport's size limit: the same request brings it again
};

struct Classification {
  Outcome outcome = Outcome::kSuccess;
  int http_status = 0;  // 0 for a transport failure
  // kRateLimited: the exhausted dimension, from error.type, the message's "(RPM)"/"(TPM)",
  // or the x-ratelimit-remaining-* header that is 0 (the one with the longest reset when
  // several are). Empty when nothing says.
  std::optional<RateDimension> dimension;
  // x-should-retry: OpenAI's explicit verdict, which openai-python obeys. It overrides the
  // outcome's retryability, except that quota and too-large failures are never retried.
  std::optional<bool> should_retry;
  // The parsed body; for a transport failure, message holds the transport's description.
  ApiError error;

  bool retryable() const;
};

// Classifies a response that arrived. `body` is only read for non-2xx statuses.
Classification Classify(int http_status, const HttpHeaders& headers, std::string_view body);
// Classifies a failure without a response. `detail` becomes error.message (capped).
Classification Classify(TransportFailure failure, std::string_view detail = {});

// A Status describing the classified exchange: "HTTP 429 rate_limit_exceeded (tokens): ...".
Status ToStatus(const Classification& c);

// Returns uniformly distributed values in [0, 1]; values outside are clamped.
using UniformSource = std::function<double()>;
// Returns uniformly distributed 64-bit values.
using Random64Source = std::function<uint64_t()>;

enum class DelaySource { kRetryAfterMs, kRetryAfter, kRateLimitReset, kBackoff };
std::string_view DelaySourceName(DelaySource s);

struct RetryDelay {
  int64_t micros = 0;
  DelaySource source = DelaySource::kBackoff;
  // The server's wait hint, also when it was ignored for exceeding max_hint_micros (or for
  // being 0). A long hint on a 429 is worth sharing with every process as a cool-down even
  // though this request does not wait that long.
  std::optional<int64_t> server_hint_micros;
};

enum class RetryAction {
  kRetry,             // wait delay_micros, then send again (same idempotency key)
  kStop,              // success, not retryable, or attempts used up: report `code`
  kDeadlineExceeded,  // the wait would reach the deadline: report kDeadlineExceeded
};

struct RetryDecision {
  RetryAction action = RetryAction::kStop;
  // kRetry: the wait. Otherwise the computed delay, or the server's hint if longer, so
  // that a throttled stop can tell the caller when a new attempt could pass.
  int64_t delay_micros = 0;
  StatusCode code = StatusCode::kOk;  // kOk only for a success
  int attempts_made = 0;
};

inline constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

struct RetryPolicy {
  // Default 3: attempts in total, the first included (openai-python's max_retries = 2).
  int max_attempts = 3;
  // Defaults 0.5 s / 8 s: backoff before retry n (n = 0, 1, ...) is
  // min(initial * 2^n, max) before jitter.
  int64_t initial_backoff_micros = 500'000;
  int64_t max_backoff_micros = 8'000'000;
  // Default 0.25: the backoff is reduced by up to this fraction (openai-python subtracts up
  // to 25 %). Jitter only shortens, so max_backoff_micros stays a bound. Server hints get
  // no jitter: the server knows when capacity returns, and the shared limiter, not
  // randomness, keeps processes from stampeding at that moment.
  double jitter = 0.25;
  // Default 60 s (openai-python's bound): a hint above this is not waited on and the backoff
  // applies instead; such a hint usually names a daily reset, for which waiting in the
  // request is wrong. Hints of 0 fall back to the backoff too, so a server that says
  // "now" is not hammered.
  int64_t max_hint_micros = 60'000'000;
  // Default 0 (none): time budget of one logical request across all its attempts.
  int64_t total_timeout_micros = 0;

  // The absolute deadline of a request that starts at `start_micros` (kNoDeadline if none).
  int64_t DeadlineFrom(int64_t start_micros) const;

  // The jittered exponential backoff after `attempts_made` attempts (>= 1); `u` in [0, 1]:
  // u = 0 gives the full value, u = 1 the value minus `jitter`.
  int64_t Backoff(int attempts_made, double u) const;

  // The wait before the next attempt. Preference: retry-after-ms, then retry-after
  // (seconds or HTTP date, relative to now_micros), then for a 429 the
  // x-ratelimit-reset-* of the exhausted dimension (an upper bound: it is the time until
  // the bucket is full again), else Backoff(). The first hint that parses decides (a
  // malformed header counts as absent); if it is outside (0, max_hint_micros], the backoff
  // is used. `uniform01` is only called for the backoff.
  RetryDelay NextDelay(int attempts_made, const Classification& c, const HttpHeaders& headers,
                       int64_t now_micros, const UniformSource& uniform01) const;

  // Whether to send again after `attempts_made` attempts (>= 1), the last of which ended as
  // `c`. Order: success or not retryable -> kStop; attempts used up -> kStop with the
  // outcome's code; now + delay at or past `deadline_micros` -> kDeadlineExceeded (there
  // would be no time left for the attempt); else kRetry.
  RetryDecision Decide(int attempts_made, const Classification& c, const RetryDelay& delay,
                       int64_t now_micros, int64_t deadline_micros) const;
};

// The Status to return once the loop ends: the outcome's (with retry_after for a throttled
// stop) or kDeadlineExceeded naming the last failure. OK for a success.
Status FinalStatus(const Classification& c, const RetryDecision& d);

// The header OpenAI reads to recognize a retried request.
inline constexpr std::string_view kIdempotencyKeyHeader = "Idempotency-Key";

// "llmgate-" followed by 32 lower-case hex digits (128 random bits, two calls of `random64`).
// Generate once per logical request and send the same key with every attempt, so that a
// retry after a dropped connection is not processed (and billed) twice.
std::string MakeIdempotencyKey(const Random64Source& random64);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_RETRY_POLICY_H_
