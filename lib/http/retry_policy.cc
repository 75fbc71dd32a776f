#include "http/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace llmgate::internal {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
           return LowerAscii(a) == LowerAscii(b);
         }) != haystack.end();
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// error.type names the dimension for OpenAI ("tokens", "requests", also the older
// "tokens_usage_based"); otherwise its message does ("... on tokens per min (TPM) ...").
std::optional<RateDimension> DimensionFromBody(const ApiError& e) {
  if (StartsWith(e.type, "requests")) return RateDimension::kRequests;
  if (StartsWith(e.type, "tokens")) return RateDimension::kTokens;
  if (StartsWith(e.type, "images")) return RateDimension::kImages;
  for (std::string_view tag : {"(RPM)", "(RPD)"}) {
    if (e.message.find(tag) != std::string::npos) return RateDimension::kRequests;
  }
  for (std::string_view tag : {"(TPM)", "(TPD)"}) {
    if (e.message.find(tag) != std::string::npos) return RateDimension::kTokens;
  }
  if (e.message.find("(IPM)") != std::string::npos) return RateDimension::kImages;
  return std::nullopt;
}

// The dimension whose remaining header reads 0; with several, the one that stays exhausted
// longest, since that is the one the retry has to wait for.
std::optional<RateDimension> ExhaustedDimension(const RateLimitHeaders& h) {
  std::optional<RateDimension> best;
  int64_t best_reset = -1;
  for (RateDimension d : {RateDimension::kRequests, RateDimension::kTokens, RateDimension::kImages}) {
    const RateLimitWindow& w = h.window(d);
    if (w.remaining != 0) continue;
    int64_t reset = w.reset_micros.value_or(0);
    if (reset > best_reset) {
      best = d;
      best_reset = reset;
    }
  }
  return best;
}

std::optional<bool> ShouldRetryHeader(const HttpHeaders& headers) {
  auto v = headers.Find("x-should-retry");
  if (!v) return std::nullopt;
  if (EqualsIgnoreCase(*v, "true")) return true;
  if (EqualsIgnoreCase(*v, "false")) return false;
  return std::nullopt;
}

Outcome OutcomeForStatus(int status, const ApiError& e) {
  if (status >= 200 && status < 300) return Outcome::kSuccess;
  if (status >= 400 && status < 500) {
    // Checked before the 429 branch: OpenAI sends "Request too large" as a 429 with code
    // rate_limit_exceeded, yet no amount of waiting lets it pass.
    if (ContainsIgnoreCase(e.message, "request too large")) return Outcome::kRequestTooLarge;
    if (e.code == "insufficient_quota" || e.type == "insufficient_quota" || status == 402) {
      return Outcome::kQuotaExhausted;
    }
    switch (status) {
      case 401: return Outcome::kAuthentication;
      case 403: return Outcome::kPermissionDenied;
      case 408: return Outcome::kTimeout;
      case 409: return Outcome::kConflict;
      case 429: return Outcome::kRateLimited;
      default: return Outcome::kInvalidRequest;
    }
  }
  if (status >= 500 && status < 600) {
    // 501 Not Implemented and 505 HTTP Version Not Supported describe the server, not a
    // passing condition. Every other 5xx (including proxies' 52x) is retried, as
    // openai-python does.
    if (status == 501 || status == 505) return Outcome::kUnexpected;
    return Outcome::kServerError;
  }
  return Outcome::kUnexpected;
}

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kSuccess: return "success";
    case Outcome::kRateLimited: return "rate_limited";
    case Outcome::kQuotaExhausted: return "quota_exhausted";
    case Outcome::kRequestTooLarge: return "request_too_large";
    case Outcome::kInvalidRequest: return "invalid_request";
    case Outcome::kAuthentication: return "authentication";
    case Outcome::kPermissionDenied: return "permission_denied";
    case Outcome::kConflict: return "conflict";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kServerError: return "server_error";
    case Outcome::kNetwork: return "network";
    case Outcome::kUnexpected: return "unexpected";
  }
  return "unknown";
}

bool IsRetryable(Outcome o) {
  switch (o) {
    case Outcome::kRateLimited:
    case Outcome::kConflict:
    case Outcome::kTimeout:
    case Outcome::kServerError:
    case Outcome::kNetwork:
      return true;
    default:
      return false;
  }
}

StatusCode ToStatusCode(Outcome o) {
  switch (o) {
    case Outcome::kSuccess: return StatusCode::kOk;
    case Outcome::kRateLimited: return StatusCode::kResourceExhausted;
    case Outcome::kQuotaExhausted: return StatusCode::kQuotaExhausted;
    case Outcome::kRequestTooLarge: return StatusCode::kRequestTooLarge;
    case Outcome::kInvalidRequest: return StatusCode::kInvalidArgument;
    case Outcome::kAuthentication: return StatusCode::kUnauthenticated;
    case Outcome::kPermissionDenied: return StatusCode::kPermissionDenied;
    case Outcome::kConflict:
    case Outcome::kTimeout:
    case Outcome::kServerError:
    case Outcome::kNetwork:
      return StatusCode::kUnavailable;
    case Outcome::kUnexpected: return StatusCode::kFailedPrecondition;
  }
  return StatusCode::kInternal;
}

bool Classification::retryable() const {
  switch (outcome) {
    case Outcome::kSuccess:
    case Outcome::kQuotaExhausted:
    case Outcome::kRequestTooLarge:
      return false;
    default:
      return should_retry.value_or(IsRetryable(outcome));
  }
}

Classification Classify(int http_status, const HttpHeaders& headers, std::string_view body) {
  Classification c;
  c.http_status = http_status;
  if (http_status >= 200 && http_status < 300) return c;
  c.error = ParseErrorBody(body);
  c.outcome = OutcomeForStatus(http_status, c.error);
  c.should_retry = ShouldRetryHeader(headers);
  if (c.outcome == Outcome::kRateLimited) {
    c.dimension = DimensionFromBody(c.error);
    if (!c.dimension) c.dimension = ExhaustedDimension(ParseRateLimitHeaders(headers, 0));
  }
  return c;
}

Classification Classify(TransportFailure failure, std::string_view detail) {
  Classification c;
  // A TLS setup that was rejected, or an answer too large to accept, comes back the same way.
  const bool permanent = failure == TransportFailure::kTls || failure == TransportFailure::kTooLarge;
  c.outcome = permanent ? Outcome::kUnexpected : Outcome::kNetwork;
  std::string_view what;
  switch (failure) {
    case TransportFailure::kConnect: what = "connection failed"; break;
    case TransportFailure::kDropped: what = "connection dropped"; break;
    case TransportFailure::kTimeout: what = "transport timeout"; break;
    case TransportFailure::kTls: what = "TLS failure"; break;
    case TransportFailure::kTooLarge: what = "response too large"; break;
  }
  c.error.message = std::string(what);
  if (!detail.empty()) c.error.message.append(": ").append(TruncateUtf8(detail, kMaxErrorMessageBytes));
  return c;
}

Status ToStatus(const Classification& c) {
  if (c.outcome == Outcome::kSuccess) return Status::Ok();
  std::string m;
  if (c.http_status != 0) {
    m = "HTTP " + std::to_string(c.http_status);
    if (!c.error.code.empty()) {
      m += " " + c.error.code;
    } else if (!c.error.type.empty()) {
      m += " " + c.error.type;
    }
    if (c.dimension) m.append(" (").append(RateDimensionName(*c.dimension)).append(")");
    if (!c.error.message.empty()) m += ": " + c.error.message;
  } else {
    m = c.error.message;
  }
  return Status(ToStatusCode(c.outcome), std::move(m));
}

std::string_view DelaySourceName(DelaySource s) {
  switch (s) {
    case DelaySource::kRetryAfterMs: return "retry-after-ms";
    case DelaySource::kRetryAfter: return "retry-after";
    case DelaySource::kRateLimitReset: return "x-ratelimit-reset";
    case DelaySource::kBackoff: return "backoff";
  }
  return "";
}

int64_t RetryPolicy::DeadlineFrom(int64_t start_micros) const {
  if (total_timeout_micros <= 0 || start_micros > kNoDeadline - total_timeout_micros) return kNoDeadline;
  return start_micros + total_timeout_micros;
}

int64_t RetryPolicy::Backoff(int attempts_made, double u) const {
  // Doubling past 2^62 overflows; the cap is reached long before for any sane setting.
  int exponent = std::clamp(attempts_made - 1, 0, 62);
  double base = std::min(static_cast<double>(initial_backoff_micros) * std::ldexp(1.0, exponent),
                         static_cast<double>(max_backoff_micros));
  if (!(u >= 0.0)) u = 0.0;  // also catches NaN
  u = std::min(u, 1.0);
  double j = std::clamp(jitter, 0.0, 1.0);
  return std::max<int64_t>(0, std::llround(base * (1.0 - j * u)));
}

RetryDelay RetryPolicy::NextDelay(int attempts_made, const Classification& c, const HttpHeaders& headers,
                                  int64_t now_micros, const UniformSource& uniform01) const {
  RetryDelay d;
  std::optional<int64_t> hint;
  DelaySource source = DelaySource::kBackoff;
  if (auto v = headers.Find("retry-after-ms")) {
    hint = ParseRetryAfterMs(*v);
    source = DelaySource::kRetryAfterMs;
  }
  if (!hint) {
    if (auto v = headers.Find("retry-after")) {
      hint = ParseRetryAfter(*v, now_micros);
      source = DelaySource::kRetryAfter;
    }
  }
  if (!hint && c.outcome == Outcome::kRateLimited) {
    RateLimitHeaders rl = ParseRateLimitHeaders(headers, now_micros);
    std::optional<RateDimension> dim = c.dimension ? c.dimension : ExhaustedDimension(rl);
    if (dim) {
      hint = rl.window(*dim).reset_micros;
      source = DelaySource::kRateLimitReset;
    }
  }
  d.server_hint_micros = hint;
  if (hint && *hint > 0 && *hint <= max_hint_micros) {
    d.micros = *hint;
    d.source = source;
    return d;
  }
  d.micros = Backoff(attempts_made, uniform01 ? uniform01() : 0.0);
  d.source = DelaySource::kBackoff;
  return d;
}

RetryDecision RetryPolicy::Decide(int attempts_made, const Classification& c, const RetryDelay& delay,
                                  int64_t now_micros, int64_t deadline_micros) const {
  RetryDecision r;
  r.attempts_made = attempts_made;
  r.delay_micros = delay.micros;
  r.code = ToStatusCode(c.outcome);
  if (!c.retryable() || attempts_made >= max_attempts) {
    r.action = RetryAction::kStop;
    // The caller's retry_after: a server hint beyond the cap (a daily reset) is the truth
    // about when a new attempt can pass, even though it was too long to wait for here.
    r.delay_micros = std::max(delay.micros, delay.server_hint_micros.value_or(0));
    // A retry the server asked for but the outcome's code calls final (x-should-retry on
    // a 400, say) still reports that code; the caller learns the attempts are used up.
    return r;
  }
  if (deadline_micros != kNoDeadline && deadline_micros - now_micros <= delay.micros) {
    r.action = RetryAction::kDeadlineExceeded;
    r.code = StatusCode::kDeadlineExceeded;
    return r;
  }
  r.action = RetryAction::kRetry;
  return r;
}

Status FinalStatus(const Classification& c, const RetryDecision& d) {
  Status last = ToStatus(c);
  if (d.action == RetryAction::kDeadlineExceeded) {
    return Status(StatusCode::kDeadlineExceeded, "deadline leaves no time to retry after attempt " +
                                                     std::to_string(d.attempts_made) + ": " + last.message());
  }
  if (last.ok()) return last;
  if (d.attempts_made > 1) {
    last = Status(last.code(), last.message() + " (after " + std::to_string(d.attempts_made) + " attempts)");
  }
  if (last.code() == StatusCode::kResourceExhausted && d.delay_micros > 0) {
    last.set_retry_after(std::chrono::milliseconds((d.delay_micros + 999) / 1000));
  }
  return last;
}

std::string MakeIdempotencyKey(const Random64Source& random64) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "llmgate-";
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = random64();
    for (int shift = 60; shift >= 0; shift -= 4) key.push_back(kHex[(bits >> shift) & 0xF]);
  }
  return key;
}

}  // namespace llmgate::internal
