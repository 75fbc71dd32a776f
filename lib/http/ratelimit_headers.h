// What an OpenAI-compatible server says about its limits in response headers:
// x-ratelimit-{limit,remaining,reset}-{requests,tokens,images}, retry-after-ms,
// retry-after, and the ids that tie a response to a request and a key group.
//
// Servers differ: some send every header, some a few, some "-1" or "0" for "unknown".
// Every value is optional and a value that makes no sense is dropped rather than guessed.
#ifndef LLMGATE_LIB_HTTP_RATELIMIT_HEADERS_H_
#define LLMGATE_LIB_HTTP_RATELIMIT_HEADERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/headers.h"

namespace llmgate::internal {

enum class RateDimension { kRequests, kTokens, kImages };

// "requests", "tokens", "images": the header suffix and the 429 body's error.type.
std::string_view RateDimensionName(RateDimension d);

// One dimension's headers.
struct RateLimitWindow {
  // x-ratelimit-limit-*: the bucket size. Absent when missing, not an integer, 0 or
  // negative: servers send 0 and -1 to mean "unknown", and a limit of 0 would forbid
  // every request, which no server means.
  std::optional<int64_t> limit;
  // x-ratelimit-remaining-*: what is left. 0 is valid (exhausted); negative values mean
  // unknown and are dropped.
  std::optional<int64_t> remaining;
  // x-ratelimit-reset-*: microseconds from the response's arrival until the bucket is
  // full again (add the arrival time for an absolute time). A Go duration; a bare number
  // is taken as seconds because some compatible servers send that.
  std::optional<int64_t> reset_micros;

  bool any() const { return limit || remaining || reset_micros; }
};

struct RateLimitHeaders {
  RateLimitWindow requests;
  RateLimitWindow tokens;
  RateLimitWindow images;

  // retry-after-ms, in microseconds (the header may be fractional).
  std::optional<int64_t> retry_after_ms;
  // retry-after (seconds or an HTTP date), microseconds from `now_micros`; 0 for a past date.
  std::optional<int64_t> retry_after;

  std::string request_id;    // x-request-id, for support requests and logs
  std::string organization;  // openai-organization: the key's group
  std::string project;       // openai-project, when the server names one

  const RateLimitWindow& window(RateDimension d) const;
};

// Reads every header above. `now_micros` (Unix epoch) turns an HTTP-date retry-after into a
// delay.
RateLimitHeaders ParseRateLimitHeaders(const HttpHeaders& headers, int64_t now_micros);

// retry-after-ms value -> microseconds. Non-negative decimal milliseconds.
std::optional<int64_t> ParseRetryAfterMs(std::string_view value);

// retry-after value -> microseconds from `now_micros`. Either non-negative decimal
// seconds ("120", "1.5") or an HTTP date (IMF-fixdate, RFC 850 or asctime, RFC 9110
// 5.6.7); a date at or before `now_micros` gives 0.
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_micros);

// An HTTP date -> microseconds since the Unix epoch. Accepts
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: 70-99 -> 19xx)
//   asctime      "Sun Nov  6 08:49:37 1994"
// The weekday is not checked against the date (senders get it wrong; the date is what
// counts). Only GMT (or UTC) is accepted where a zone is written.
std::optional<int64_t> ParseHttpDate(std::string_view value);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_RATELIMIT_HEADERS_H_
