// Tests of the pure HTTP policy core: durations, headers, error bodies, classification and
// the retry policy. No clock, no network: times are plain numbers.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "http/duration.h"
#include "http/error_body.h"
#include "http/headers.h"
#include "http/ratelimit_headers.h"
#include "http/retry_policy.h"

namespace llmgate::internal {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMs = 1'000;
// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date.
constexpr int64_t kRfcExampleDate = int64_t{784'111'777} * kSecond;

HttpHeaders Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> list) {
  HttpHeaders h;
  for (const auto& [n, v] : list) h.Add(n, v);
  return h;
}

// ---- Go durations ----

TEST(GoDurationTest, ParsesOpenAiExamples) {
  EXPECT_EQ(ParseGoDuration("12ms"), 12 * kMs);
  EXPECT_EQ(ParseGoDuration("1s"), kSecond);
  EXPECT_EQ(ParseGoDuration("6m0s"), 360 * kSecond);
  EXPECT_EQ(ParseGoDuration("4m12.172s"), 252 * kSecond + 172 * kMs);
  EXPECT_EQ(ParseGoDuration("23h18m29.144s"), (23 * 3600 + 18 * 60 + 29) * kSecond + 144 * kMs);
  EXPECT_EQ(ParseGoDuration("1.5s"), 1'500'000);
  EXPECT_EQ(ParseGoDuration("250us"), 250);
  EXPECT_EQ(ParseGoDuration("250\xC2\xB5s"), 250);  // U+00B5 MICRO SIGN, as Go prints
  EXPECT_EQ(ParseGoDuration("250\xCE\xBCs"), 250);  // U+03BC GREEK SMALL LETTER MU
  EXPECT_EQ(ParseGoDuration("0"), 0);
  EXPECT_EQ(ParseGoDuration("0s"), 0);
}

TEST(GoDurationTest, SubMicrosecondRoundsUp) {
  EXPECT_EQ(ParseGoDuration("100ns"), 1);
  EXPECT_EQ(ParseGoDuration("1000ns"), 1);
  EXPECT_EQ(ParseGoDuration("1001ns"), 2);
  EXPECT_EQ(ParseGoDuration("0ns"), 0);
  EXPECT_EQ(ParseGoDuration("1.0000001s"), 1'000'001);
}

TEST(GoDurationTest, AcceptsGoSyntaxVariants) {
  EXPECT_EQ(ParseGoDuration("1h"), 3600 * kSecond);
  EXPECT_EQ(ParseGoDuration("1h1m1s1ms1us"), 3661 * kSecond + kMs + 1);
  EXPECT_EQ(ParseGoDuration(".5s"), 500 * kMs);
  EXPECT_EQ(ParseGoDuration("5.s"), 5 * kSecond);
  EXPECT_EQ(ParseGoDuration("+1s"), kSecond);
  EXPECT_EQ(ParseGoDuration(" 2s\t"), 2 * kSecond);
  EXPECT_EQ(ParseGoDuration("1.5m"), 90 * kSecond);
  EXPECT_EQ(ParseGoDuration("0.000000001h"), 4);  // 3.6 us, rounded up
  EXPECT_EQ(ParseGoDuration("1.123456789123456789123s"), 1'123'457);
  EXPECT_EQ(ParseGoDuration("2562047h"), int64_t{2562047} * 3600 * kSecond);
}

TEST(GoDurationTest, RejectsGarbageNegativeAndOverflow) {
  for (const char* bad : {"-1", "-1s", "-0s", "", " ", "abc", "12", "1x", "s", ".s", ".", "1.2.3s", "1e3s",
                          "1ss", "1 s", "1s ms", "ms", "1m-1s", "NaN", "inf", "0x10s", "2562048h",
                          "9223372036854775808ns", "99999999999999999999s", "2562047h47m16.854775808s"}) {
    EXPECT_EQ(ParseGoDuration(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseGoDuration(std::string_view("1s\0", 3)), std::nullopt);
}

TEST(GoDurationTest, NeverCrashesOnRandomInput) {
  std::mt19937 rng(42);
  const std::string alphabet = "0123456789.hmsun\xC2\xB5\xCE\xBC+- \x00\xFF";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 24, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    auto v = ParseGoDuration(s);
    if (v) {
      EXPECT_GE(*v, 0) << s;
    }
  }
}

TEST(GoDurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(1), "1\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(250), "250\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(1'500), "1.5ms");
  EXPECT_EQ(FormatGoDuration(12 * kMs), "12ms");
  EXPECT_EQ(FormatGoDuration(kSecond), "1s");
  EXPECT_EQ(FormatGoDuration(1'500'000), "1.5s");
  EXPECT_EQ(FormatGoDuration(360 * kSecond), "6m0s");
  EXPECT_EQ(FormatGoDuration(252 * kSecond + 172 * kMs), "4m12.172s");
  EXPECT_EQ(FormatGoDuration((23 * 3600 + 18 * 60 + 29) * kSecond + 144 * kMs), "23h18m29.144s");
  EXPECT_EQ(FormatGoDuration(3600 * kSecond), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(kSecond + 1), "1.000001s");
  EXPECT_EQ(FormatGoDuration(-1'500'000), "-1.5s");
  EXPECT_FALSE(FormatGoDuration(std::numeric_limits<int64_t>::min()).empty());
}

TEST(GoDurationTest, FormatThenParseRoundTrips) {
  // Go's range is int64 nanoseconds; longer durations are formatted but not parsed.
  constexpr int64_t kMaxGoMicros = std::numeric_limits<int64_t>::max() / 1000;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    int64_t v = static_cast<int64_t>(rng() >> (1 + rng() % 63)) % (kMaxGoMicros + 1);
    EXPECT_EQ(ParseGoDuration(FormatGoDuration(v)), v) << FormatGoDuration(v);
  }
  EXPECT_EQ(ParseGoDuration(FormatGoDuration(kMaxGoMicros)), kMaxGoMicros);
  EXPECT_EQ(ParseGoDuration(FormatGoDuration(kMaxGoMicros + 1)), std::nullopt);
}

TEST(DecimalTest, ParsesDecimalCounts) {
  EXPECT_EQ(ParseDecimalToMicros("12", kMs), 12 * kMs);
  EXPECT_EQ(ParseDecimalToMicros("1.5", kSecond), 1'500'000);
  EXPECT_EQ(ParseDecimalToMicros("0.0001", kMs), 1);  // 0.1 us, rounded up
  EXPECT_EQ(ParseDecimalToMicros(".25", kSecond), 250'000);
  EXPECT_EQ(ParseDecimalToMicros("3.", kSecond), 3 * kSecond);
  EXPECT_EQ(ParseDecimalToMicros(" 7 ", kSecond), 7 * kSecond);
  for (const char* bad : {"", ".", "-1", "+1", "1e3", "1,5", "abc", "1.2.3", "99999999999999999999"}) {
    EXPECT_EQ(ParseDecimalToMicros(bad, kSecond), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseDecimalToMicros("9223372036855", kSecond), std::nullopt);  // overflows micros
}

// ---- Headers ----

TEST(HttpHeadersTest, FindIgnoresCase) {
  HttpHeaders h = Headers({{"X-RateLimit-Limit-Requests", "500"}, {"content-type", "application/json"}});
  EXPECT_EQ(h.Find("x-ratelimit-limit-requests"), "500");
  EXPECT_EQ(h.Find("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(h.Find("x-ratelimit-limit-tokens"), std::nullopt);
}

TEST(HttpHeadersTest, AddLineKeepsOnlyTheFinalResponse) {
  HttpHeaders h;
  EXPECT_TRUE(h.AddLine("HTTP/1.1 100 Continue\r\n"));
  EXPECT_TRUE(h.AddLine("X-Early: 1\r\n"));
  EXPECT_TRUE(h.AddLine("HTTP/2 429\r\n"));
  EXPECT_TRUE(h.AddLine("Retry-After:  20 \r\n"));
  EXPECT_TRUE(h.AddLine("x-empty:\r\n"));
  EXPECT_FALSE(h.AddLine("\r\n"));
  EXPECT_FALSE(h.AddLine("no colon here\r\n"));
  EXPECT_FALSE(h.AddLine("Bad Name: x\r\n"));
  EXPECT_FALSE(h.AddLine(": novalue\r\n"));
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.Find("x-early"), std::nullopt);
  EXPECT_EQ(h.Find("retry-after"), "20");
  EXPECT_EQ(h.Find("x-empty"), "");
}

// ---- Rate-limit headers ----

TEST(RateLimitHeadersTest, ParsesOpenAiSetWithMixedCase) {
  HttpHeaders h = Headers({{"x-ratelimit-limit-requests", "10000"},
                           {"X-Ratelimit-Remaining-Requests", "9999"},
                           {"x-ratelimit-reset-requests", "6ms"},
                           {"X-RATELIMIT-LIMIT-TOKENS", "2000000"},
                           {"x-ratelimit-remaining-tokens", "1999000"},
                           {"x-ratelimit-reset-tokens", "4m12.172s"},
                           {"X-Request-ID", "req_abc123"},
                           {"OpenAI-Organization", "org-xyz"},
                           {"openai-project", "proj_1"}});
  RateLimitHeaders r = ParseRateLimitHeaders(h, 0);
  EXPECT_EQ(r.requests.limit, 10000);
  EXPECT_EQ(r.requests.remaining, 9999);
  EXPECT_EQ(r.requests.reset_micros, 6 * kMs);
  EXPECT_EQ(r.tokens.limit, 2'000'000);
  EXPECT_EQ(r.tokens.remaining, 1'999'000);
  EXPECT_EQ(r.tokens.reset_micros, 252 * kSecond + 172 * kMs);
  EXPECT_FALSE(r.images.any());
  EXPECT_EQ(r.request_id, "req_abc123");
  EXPECT_EQ(r.organization, "org-xyz");
  EXPECT_EQ(r.project, "proj_1");
  EXPECT_EQ(r.retry_after_ms, std::nullopt);
  EXPECT_EQ(r.retry_after, std::nullopt);
  EXPECT_EQ(&r.window(RateDimension::kTokens), &r.tokens);
}

TEST(RateLimitHeadersTest, UnknownValuesAreAbsent) {
  HttpHeaders h = Headers({{"x-ratelimit-limit-requests", "-1"},
                           {"x-ratelimit-remaining-requests", "-1"},
                           {"x-ratelimit-reset-requests", "-1"},
                           {"x-ratelimit-limit-tokens", "0"},
                           {"x-ratelimit-remaining-tokens", "0"},
                           {"x-ratelimit-reset-tokens", "0"},
                           {"x-ratelimit-limit-images", "many"},
                           {"x-ratelimit-remaining-images", "1.5"},
                           {"x-ratelimit-reset-images", "soon"}});
  RateLimitHeaders r = ParseRateLimitHeaders(h, 0);
  EXPECT_EQ(r.requests.limit, std::nullopt);      // -1: unknown
  EXPECT_EQ(r.requests.remaining, std::nullopt);  // -1: unknown
  EXPECT_EQ(r.requests.reset_micros, std::nullopt);
  EXPECT_EQ(r.tokens.limit, std::nullopt);  // 0: unknown, no server forbids everything
  EXPECT_EQ(r.tokens.remaining, 0);         // 0: exhausted, a real value
  EXPECT_EQ(r.tokens.reset_micros, 0);
  EXPECT_FALSE(r.images.any());
}

TEST(RateLimitHeadersTest, MissingHeadersAndExtras) {
  RateLimitHeaders none = ParseRateLimitHeaders(HttpHeaders{}, 0);
  EXPECT_FALSE(none.requests.any());
  EXPECT_FALSE(none.tokens.any());
  EXPECT_TRUE(none.request_id.empty());

  // Images, and a reset as bare seconds (some compatible servers).
  RateLimitHeaders r = ParseRateLimitHeaders(
      Headers({{"x-ratelimit-limit-images", "5"}, {"x-ratelimit-remaining-images", "4"},
               {"x-ratelimit-reset-images", "12"}, {"x-ratelimit-remaining-tokens", "77"}}),
      0);
  EXPECT_EQ(r.images.limit, 5);
  EXPECT_EQ(r.images.remaining, 4);
  EXPECT_EQ(r.images.reset_micros, 12 * kSecond);
  EXPECT_EQ(r.tokens.remaining, 77);
  EXPECT_EQ(r.tokens.limit, std::nullopt);
}

TEST(RetryAfterTest, MillisecondsHeader) {
  EXPECT_EQ(ParseRetryAfterMs("1500"), 1500 * kMs);
  EXPECT_EQ(ParseRetryAfterMs("20.5"), 20'500);
  EXPECT_EQ(ParseRetryAfterMs("0"), 0);
  EXPECT_EQ(ParseRetryAfterMs("-5"), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMs("soon"), std::nullopt);
  RateLimitHeaders r = ParseRateLimitHeaders(Headers({{"Retry-After-Ms", "250"}, {"Retry-After", "1"}}), 0);
  EXPECT_EQ(r.retry_after_ms, 250 * kMs);
  EXPECT_EQ(r.retry_after, kSecond);
}

TEST(RetryAfterTest, SecondsIntegerOrFractional) {
  EXPECT_EQ(ParseRetryAfter("20", 0), 20 * kSecond);
  EXPECT_EQ(ParseRetryAfter("0", 0), 0);
  EXPECT_EQ(ParseRetryAfter("1.25", 0), 1'250'000);
  EXPECT_EQ(ParseRetryAfter("-1", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("tomorrow", 0), std::nullopt);
}

TEST(RetryAfterTest, HttpDateRelativeToNow) {
  const int64_t now = kRfcExampleDate;
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), 10 * kSecond);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", now + 500 * kMs), 59'500'000);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), 0);
  EXPECT_EQ(ParseRetryAfter("Sat, 05 Nov 1994 08:49:37 GMT", now), 0);  // past: no wait
  RateLimitHeaders r = ParseRateLimitHeaders(Headers({{"retry-after", "Sun, 06 Nov 1994 08:49:40 GMT"}}), now);
  EXPECT_EQ(r.retry_after, 3 * kSecond);
}

TEST(HttpDateTest, AllThreeFormats) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExampleDate);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExampleDate);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcExampleDate);
  EXPECT_EQ(ParseHttpDate("Sun Nov 6 08:49:37 1994"), kRfcExampleDate);
  EXPECT_EQ(ParseHttpDate("  Sun, 06 Nov 1994 08:49:37 UTC "), kRfcExampleDate);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2028 12:00:00 GMT"), int64_t{1'835'438'400} * kSecond);
  EXPECT_EQ(ParseHttpDate("Wednesday, 01-Jan-25 00:00:00 GMT"), int64_t{1'735'689'600} * kSecond);
}

TEST(HttpDateTest, RejectsMalformedDates) {
  for (const char* bad : {"", "Sun", "Sun, 06 Nov 1994", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 PST",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                          "Sun, 30 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                          "Sun, 06 Nov 1994 08:61:00 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37 GMT trailing", "06 Nov 1994 08:49:37 GMT",
                          "Sun Nov  6 08:49:37", "1994-11-06T08:49:37Z"}) {
    EXPECT_EQ(ParseHttpDate(bad), std::nullopt) << bad;
  }
}

// ---- Error bodies ----

TEST(ErrorBodyTest, OpenAiShape) {
  ApiError e = ParseErrorBody(
      R"({"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
  EXPECT_TRUE(e.structured);
  EXPECT_EQ(e.message, "Incorrect API key provided.");
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_EQ(e.param, "");
  EXPECT_EQ(e.code, "invalid_api_key");
}

TEST(ErrorBodyTest, TolerantShapes) {
  ApiError as_string = ParseErrorBody(R"({"error":"upstream failed"})");
  EXPECT_TRUE(as_string.structured);
  EXPECT_EQ(as_string.message, "upstream failed");
  EXPECT_TRUE(as_string.code.empty());

  ApiError missing = ParseErrorBody(R"({"error":{"type":"tokens"}})");
  EXPECT_TRUE(missing.structured);
  EXPECT_EQ(missing.type, "tokens");
  EXPECT_TRUE(missing.message.empty());

  ApiError top_level = ParseErrorBody(R"({"object":"error","message":"bad model","type":"BadRequestError","param":"model","code":400})");
  EXPECT_TRUE(top_level.structured);
  EXPECT_EQ(top_level.message, "bad model");
  EXPECT_EQ(top_level.param, "model");
  EXPECT_EQ(top_level.code, "400");

  ApiError html = ParseErrorBody("<html><body>502 Bad Gateway</body></html>\n");
  EXPECT_FALSE(html.structured);
  EXPECT_EQ(html.message, "<html><body>502 Bad Gateway</body></html>");

  for (const char* other : {"", "null", "[]", "{}", R"({"error":null})", R"({"error":42})", "{\"error\":{", "\"x\""}) {
    ApiError e = ParseErrorBody(other);
    EXPECT_FALSE(e.structured) << other;
    EXPECT_TRUE(e.code.empty()) << other;
  }
}

TEST(ErrorBodyTest, MessageIsCappedOnUtf8Boundary) {
  std::string long_message;
  while (long_message.size() < 5000) long_message += "\xC3\xA9t\xC3\xA9 ";  // "été "
  ApiError e = ParseErrorBody(R"({"error":{"message":")" + long_message + R"("}})");
  EXPECT_LE(e.message.size(), kMaxErrorMessageBytes);
  EXPECT_GE(e.message.size(), kMaxErrorMessageBytes - 3);
  EXPECT_EQ(long_message.compare(0, e.message.size(), e.message), 0);
  EXPECT_NE(static_cast<unsigned char>(e.message.back()) & 0xE0, 0xC0);  // no dangling lead byte

  ApiError raw = ParseErrorBody(std::string(100'000, 'x'));
  EXPECT_EQ(raw.message.size(), kMaxErrorMessageBytes);

  ApiError invalid = ParseErrorBody("bad \xFF\xFE bytes");
  EXPECT_EQ(invalid.message, "bad ?? bytes");
}

// ---- Classification ----

constexpr char kTokens429[] =
    R"({"error":{"message":"Rate limit reached for gpt-4o in organization org-1 on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}})";
constexpr char kRequests429[] =
    R"({"error":{"message":"Rate limit reached for gpt-4o on requests per min (RPM): Limit 500, Used 500, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}})";
constexpr char kQuota429[] =
    R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})";
constexpr char kTooLarge429[] =
    R"({"error":{"message":"Request too large for gpt-4 in organization org-1 on tokens per min (TPM): Limit 10000, Requested 20000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}})";

TEST(ClassifyTest, Success) {
  Classification c = Classify(200, HttpHeaders{}, "{}");
  EXPECT_EQ(c.outcome, Outcome::kSuccess);
  EXPECT_EQ(ToStatusCode(c.outcome), StatusCode::kOk);
  EXPECT_FALSE(c.retryable());
  EXPECT_TRUE(ToStatus(c).ok());
  EXPECT_EQ(Classify(204, HttpHeaders{}, "").outcome, Outcome::kSuccess);
}

TEST(ClassifyTest, RateLimitedByTokensAndRequests) {
  Classification tokens = Classify(429, HttpHeaders{}, kTokens429);
  EXPECT_EQ(tokens.outcome, Outcome::kRateLimited);
  EXPECT_EQ(tokens.dimension, RateDimension::kTokens);
  EXPECT_TRUE(tokens.retryable());
  EXPECT_EQ(ToStatusCode(tokens.outcome), StatusCode::kResourceExhausted);
  Status s = ToStatus(tokens);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("HTTP 429 rate_limit_exceeded (tokens): Rate limit reached"), std::string::npos)
      << s.message();

  Classification requests = Classify(429, HttpHeaders{}, kRequests429);
  EXPECT_EQ(requests.dimension, RateDimension::kRequests);
}

TEST(ClassifyTest, RateLimitDimensionFromMessageOrHeaders) {
  Classification by_message = Classify(
      429, HttpHeaders{}, R"json({"error":{"message":"Limit reached on requests per day (RPD)","code":"rate_limit_exceeded"}})json");
  EXPECT_EQ(by_message.dimension, RateDimension::kRequests);

  Classification by_header = Classify(429, Headers({{"x-ratelimit-remaining-requests", "12"},
                                                    {"x-ratelimit-remaining-tokens", "0"}}), "");
  EXPECT_EQ(by_header.outcome, Outcome::kRateLimited);
  EXPECT_EQ(by_header.dimension, RateDimension::kTokens);

  // Both exhausted: the one that stays exhausted longer binds.
  Classification both = Classify(429,
                                 Headers({{"x-ratelimit-remaining-requests", "0"}, {"x-ratelimit-reset-requests", "2s"},
                                          {"x-ratelimit-remaining-tokens", "0"}, {"x-ratelimit-reset-tokens", "7s"}}),
                                 "");
  EXPECT_EQ(both.dimension, RateDimension::kTokens);

  Classification unknown = Classify(429, HttpHeaders{}, "Too Many Requests");
  EXPECT_EQ(unknown.outcome, Outcome::kRateLimited);
  EXPECT_EQ(unknown.dimension, std::nullopt);
  EXPECT_TRUE(unknown.retryable());
}

TEST(ClassifyTest, QuotaAndTooLargeAreNeverRetried) {
  Classification quota = Classify(429, Headers({{"x-should-retry", "true"}}), kQuota429);
  EXPECT_EQ(quota.outcome, Outcome::kQuotaExhausted);
  EXPECT_FALSE(quota.retryable());
  EXPECT_EQ(ToStatusCode(quota.outcome), StatusCode::kQuotaExhausted);
  EXPECT_EQ(Classify(402, HttpHeaders{}, "").outcome, Outcome::kQuotaExhausted);
  EXPECT_EQ(Classify(400, HttpHeaders{}, kQuota429).outcome, Outcome::kQuotaExhausted);

  Classification too_large = Classify(429, Headers({{"x-should-retry", "true"}}), kTooLarge429);
  EXPECT_EQ(too_large.outcome, Outcome::kRequestTooLarge);
  EXPECT_FALSE(too_large.retryable());
  EXPECT_EQ(ToStatusCode(too_large.outcome), StatusCode::kRequestTooLarge);
  EXPECT_EQ(Classify(400, HttpHeaders{}, R"({"error":{"message":"request too large for model"}})").outcome,
            Outcome::kRequestTooLarge);
}

TEST(ClassifyTest, ClientErrors) {
  for (int status : {400, 404, 405, 413, 415, 422}) {
    Classification c = Classify(status, HttpHeaders{}, R"({"error":{"message":"bad","type":"invalid_request_error"}})");
    EXPECT_EQ(c.outcome, Outcome::kInvalidRequest) << status;
    EXPECT_FALSE(c.retryable()) << status;
    EXPECT_EQ(ToStatusCode(c.outcome), StatusCode::kInvalidArgument) << status;
  }
  Classification auth = Classify(401, HttpHeaders{},
                                 R"({"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}})");
  EXPECT_EQ(auth.outcome, Outcome::kAuthentication);
  EXPECT_EQ(auth.error.code, "invalid_api_key");
  EXPECT_FALSE(auth.retryable());
  EXPECT_EQ(ToStatusCode(auth.outcome), StatusCode::kUnauthenticated);

  Classification denied = Classify(403, HttpHeaders{}, R"({"error":{"code":"unsupported_country_region_territory"}})");
  EXPECT_EQ(denied.outcome, Outcome::kPermissionDenied);
  EXPECT_EQ(ToStatusCode(denied.outcome), StatusCode::kPermissionDenied);
  EXPECT_FALSE(denied.retryable());
}

TEST(ClassifyTest, RetriedStatuses) {
  Classification timeout = Classify(408, HttpHeaders{}, "");
  EXPECT_EQ(timeout.outcome, Outcome::kTimeout);
  EXPECT_TRUE(timeout.retryable());
  EXPECT_EQ(ToStatusCode(timeout.outcome), StatusCode::kUnavailable);

  Classification conflict = Classify(409, HttpHeaders{}, "");
  EXPECT_EQ(conflict.outcome, Outcome::kConflict);
  EXPECT_TRUE(conflict.retryable());

  for (int status : {500, 502, 503, 504, 507, 520, 524, 529, 599}) {
    Classification c = Classify(status, HttpHeaders{}, "<html>oops</html>");
    EXPECT_EQ(c.outcome, Outcome::kServerError) << status;
    EXPECT_TRUE(c.retryable()) << status;
    EXPECT_EQ(ToStatusCode(c.outcome), StatusCode::kUnavailable);
  }
}

TEST(ClassifyTest, UnexpectedStatuses) {
  for (int status : {0, 100, 199, 301, 304, 501, 505, 600, 999}) {
    Classification c = Classify(status, HttpHeaders{}, "");
    EXPECT_EQ(c.outcome, Outcome::kUnexpected) << status;
    EXPECT_FALSE(c.retryable()) << status;
    EXPECT_EQ(ToStatusCode(c.outcome), StatusCode::kFailedPrecondition);
  }
}

TEST(ClassifyTest, TransportFailures) {
  for (TransportFailure f : {TransportFailure::kConnect, TransportFailure::kDropped, TransportFailure::kTimeout}) {
    Classification c = Classify(f, "curl error 7");
    EXPECT_EQ(c.outcome, Outcome::kNetwork);
    EXPECT_TRUE(c.retryable());
    EXPECT_EQ(c.http_status, 0);
    EXPECT_EQ(ToStatusCode(c.outcome), StatusCode::kUnavailable);
  }
  EXPECT_EQ(ToStatus(Classify(TransportFailure::kConnect, "refused")).message(), "connection failed: refused");
  EXPECT_EQ(ToStatus(Classify(TransportFailure::kTimeout)).message(), "transport timeout");
  Classification tls = Classify(TransportFailure::kTls, "certificate verify failed");
  EXPECT_EQ(tls.outcome, Outcome::kUnexpected);
  EXPECT_FALSE(tls.retryable());
  Classification large = Classify(TransportFailure::kTooLarge, "response body larger than max_body_bytes");
  EXPECT_EQ(large.outcome, Outcome::kUnexpected);
  EXPECT_FALSE(large.retryable());
  EXPECT_EQ(ToStatus(large).message(), "response too large: response body larger than max_body_bytes");
}

TEST(ClassifyTest, XShouldRetryOverrides) {
  Classification no = Classify(503, Headers({{"X-Should-Retry", "false"}}), "");
  EXPECT_EQ(no.outcome, Outcome::kServerError);
  EXPECT_EQ(no.should_retry, false);
  EXPECT_FALSE(no.retryable());
  Classification yes = Classify(400, Headers({{"x-should-retry", "true"}}), "");
  EXPECT_TRUE(yes.retryable());
  Classification junk = Classify(503, Headers({{"x-should-retry", "maybe"}}), "");
  EXPECT_EQ(junk.should_retry, std::nullopt);
  EXPECT_TRUE(junk.retryable());
}

TEST(OutcomeTest, NamesAreDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(Outcome::kUnexpected); ++i) names.insert(OutcomeName(static_cast<Outcome>(i)));
  EXPECT_EQ(names.size(), static_cast<size_t>(Outcome::kUnexpected) + 1);
}

// ---- Delays ----

RetryDelay Wait(int64_t micros) {
  RetryDelay d;
  d.micros = micros;
  return d;
}

UniformSource Fixed(double u) {
  return [u] { return u; };
}

TEST(BackoffTest, ExponentialWithCap) {
  RetryPolicy p;
  const int64_t expected[] = {500'000, 1'000'000, 2'000'000, 4'000'000, 8'000'000, 8'000'000};
  for (int attempts = 1; attempts <= 6; ++attempts) {
    EXPECT_EQ(p.Backoff(attempts, 0.0), expected[attempts - 1]) << attempts;
    EXPECT_EQ(p.Backoff(attempts, 1.0), expected[attempts - 1] * 3 / 4) << attempts;
  }
  EXPECT_EQ(p.Backoff(1000, 0.0), 8'000'000);  // no overflow far past the cap
  EXPECT_EQ(p.Backoff(0, 0.0), 500'000);
}

TEST(BackoffTest, JitterStaysWithinBounds) {
  RetryPolicy p;
  for (double u : {0.0, 0.1, 0.5, 0.999, 1.0}) {
    for (int attempts = 1; attempts <= 5; ++attempts) {
      int64_t full = p.Backoff(attempts, 0.0);
      int64_t v = p.Backoff(attempts, u);
      EXPECT_LE(v, full);
      EXPECT_GE(v, full * 3 / 4);
    }
  }
  // A broken source cannot push the delay outside the bounds.
  EXPECT_EQ(p.Backoff(1, 2.0), 375'000);
  EXPECT_EQ(p.Backoff(1, -1.0), 500'000);
  EXPECT_EQ(p.Backoff(1, std::nan("")), 500'000);
}

TEST(NextDelayTest, PrefersRetryAfterMsThenRetryAfterThenReset) {
  RetryPolicy p;
  Classification c = Classify(429, HttpHeaders{}, kTokens429);
  const int64_t now = kRfcExampleDate;
  int calls = 0;
  UniformSource counting = [&calls] {
    ++calls;
    return 0.0;
  };
  HttpHeaders all = Headers({{"retry-after-ms", "1500"}, {"retry-after", "3"},
                             {"x-ratelimit-reset-tokens", "20s"}, {"x-ratelimit-reset-requests", "40s"}});
  RetryDelay d = p.NextDelay(1, c, all, now, counting);
  EXPECT_EQ(d.micros, 1500 * kMs);
  EXPECT_EQ(d.source, DelaySource::kRetryAfterMs);

  HttpHeaders no_ms = Headers({{"retry-after", "3"}, {"x-ratelimit-reset-tokens", "20s"}});
  d = p.NextDelay(1, c, no_ms, now, counting);
  EXPECT_EQ(d.micros, 3 * kSecond);
  EXPECT_EQ(d.source, DelaySource::kRetryAfter);

  HttpHeaders date = Headers({{"retry-after", "Sun, 06 Nov 1994 08:49:42 GMT"}});
  d = p.NextDelay(1, c, date, now, counting);
  EXPECT_EQ(d.micros, 5 * kSecond);
  EXPECT_EQ(d.source, DelaySource::kRetryAfter);

  // The exhausted dimension's reset: tokens, from error.type.
  HttpHeaders resets = Headers({{"x-ratelimit-reset-tokens", "20s"}, {"x-ratelimit-reset-requests", "40s"}});
  d = p.NextDelay(1, c, resets, now, counting);
  EXPECT_EQ(d.micros, 20 * kSecond);
  EXPECT_EQ(d.source, DelaySource::kRateLimitReset);
  EXPECT_EQ(calls, 0);  // hints need no randomness

  d = p.NextDelay(2, c, HttpHeaders{}, now, counting);
  EXPECT_EQ(d.micros, kSecond);
  EXPECT_EQ(d.source, DelaySource::kBackoff);
  EXPECT_EQ(d.server_hint_micros, std::nullopt);
  EXPECT_EQ(calls, 1);
}

TEST(NextDelayTest, ResetOfDimensionFoundInHeaders) {
  RetryPolicy p;
  HttpHeaders h = Headers({{"x-ratelimit-remaining-requests", "0"}, {"x-ratelimit-reset-requests", "1.2s"},
                           {"x-ratelimit-remaining-tokens", "500"}, {"x-ratelimit-reset-tokens", "30s"}});
  Classification c = Classify(429, h, "");
  ASSERT_EQ(c.dimension, RateDimension::kRequests);
  RetryDelay d = p.NextDelay(1, c, h, 0, Fixed(0));
  EXPECT_EQ(d.micros, 1'200'000);
  EXPECT_EQ(d.source, DelaySource::kRateLimitReset);
}

TEST(NextDelayTest, ResetHeadersOnlyCountFor429) {
  RetryPolicy p;
  HttpHeaders h = Headers({{"x-ratelimit-remaining-tokens", "0"}, {"x-ratelimit-reset-tokens", "20s"}});
  RetryDelay d = p.NextDelay(1, Classify(503, h, ""), h, 0, Fixed(0));
  EXPECT_EQ(d.source, DelaySource::kBackoff);
  EXPECT_EQ(d.micros, 500'000);
  // retry-after does count for a 5xx.
  HttpHeaders ra = Headers({{"retry-after", "2"}});
  d = p.NextDelay(1, Classify(503, ra, ""), ra, 0, Fixed(0));
  EXPECT_EQ(d.micros, 2 * kSecond);
}

TEST(NextDelayTest, HintsOutsideTheCapFallBackToBackoff) {
  RetryPolicy p;
  Classification c = Classify(429, HttpHeaders{}, kTokens429);
  RetryDelay d = p.NextDelay(1, c, Headers({{"retry-after", "120"}}), 0, Fixed(1.0));
  EXPECT_EQ(d.source, DelaySource::kBackoff);
  EXPECT_EQ(d.micros, 375'000);
  EXPECT_EQ(d.server_hint_micros, 120 * kSecond);

  d = p.NextDelay(1, c, Headers({{"retry-after", "60"}}), 0, Fixed(1.0));
  EXPECT_EQ(d.source, DelaySource::kRetryAfter);  // the cap itself is accepted
  EXPECT_EQ(d.micros, 60 * kSecond);

  d = p.NextDelay(1, c, Headers({{"retry-after-ms", "0"}}), 0, Fixed(0));
  EXPECT_EQ(d.source, DelaySource::kBackoff);
  EXPECT_EQ(d.server_hint_micros, 0);

  // A daily reset is far beyond the cap.
  d = p.NextDelay(1, c, Headers({{"x-ratelimit-reset-tokens", "23h18m29.144s"}}), 0, Fixed(0));
  EXPECT_EQ(d.source, DelaySource::kBackoff);
  EXPECT_EQ(d.server_hint_micros, (23 * 3600 + 18 * 60 + 29) * kSecond + 144 * kMs);

  // The first hint present decides; a malformed one is as good as absent.
  d = p.NextDelay(1, c, Headers({{"retry-after-ms", "soon"}, {"retry-after", "4"}}), 0, Fixed(0));
  EXPECT_EQ(d.source, DelaySource::kRetryAfter);
  EXPECT_EQ(d.micros, 4 * kSecond);
}

// ---- Decisions ----

TEST(DecideTest, StopsOnSuccessAndFinalOutcomes) {
  RetryPolicy p;
  RetryDecision ok = p.Decide(1, Classify(200, HttpHeaders{}, ""), RetryDelay{}, 0, kNoDeadline);
  EXPECT_EQ(ok.action, RetryAction::kStop);
  EXPECT_EQ(ok.code, StatusCode::kOk);
  EXPECT_TRUE(FinalStatus(Classify(200, HttpHeaders{}, ""), ok).ok());

  Classification bad = Classify(400, HttpHeaders{}, R"({"error":{"message":"bad param"}})");
  RetryDecision d = p.Decide(1, bad, Wait(500'000), 0, kNoDeadline);
  EXPECT_EQ(d.action, RetryAction::kStop);
  EXPECT_EQ(d.code, StatusCode::kInvalidArgument);
  Status s = FinalStatus(bad, d);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "HTTP 400: bad param");
}

TEST(DecideTest, RetriesUntilAttemptsAreUsedUp) {
  RetryPolicy p;  // 3 attempts
  Classification c = Classify(503, HttpHeaders{}, "");
  std::vector<int64_t> waits;
  int attempts = 1;
  int64_t now = 1'000'000;
  for (;; ++attempts) {
    RetryDelay delay = p.NextDelay(attempts, c, HttpHeaders{}, now, Fixed(0));
    RetryDecision d = p.Decide(attempts, c, delay, now, kNoDeadline);
    if (d.action != RetryAction::kRetry) {
      EXPECT_EQ(d.action, RetryAction::kStop);
      EXPECT_EQ(d.code, StatusCode::kUnavailable);
      Status s = FinalStatus(c, d);
      EXPECT_EQ(s.code(), StatusCode::kUnavailable);
      EXPECT_NE(s.message().find("after 3 attempts"), std::string::npos) << s.message();
      break;
    }
    waits.push_back(d.delay_micros);
    now += d.delay_micros;
  }
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(waits, (std::vector<int64_t>{500'000, 1'000'000}));

  RetryPolicy once;
  once.max_attempts = 1;
  EXPECT_EQ(once.Decide(1, c, RetryDelay{}, 0, kNoDeadline).action, RetryAction::kStop);
}

TEST(DecideTest, DeadlineComesBeforeALongWait) {
  RetryPolicy p;
  Classification c = Classify(429, HttpHeaders{}, kTokens429);
  const int64_t now = 10 * kSecond;
  const int64_t deadline = now + kSecond;
  EXPECT_EQ(p.Decide(1, c, Wait(999'999), now, deadline).action, RetryAction::kRetry);
  RetryDecision at = p.Decide(1, c, Wait(kSecond), now, deadline);
  EXPECT_EQ(at.action, RetryAction::kDeadlineExceeded);  // no time left for the attempt itself
  EXPECT_EQ(at.code, StatusCode::kDeadlineExceeded);
  RetryDecision past = p.Decide(1, c, Wait(2 * kSecond), now, deadline);
  EXPECT_EQ(past.action, RetryAction::kDeadlineExceeded);
  Status s = FinalStatus(c, past);
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(s.message().find("rate_limit_exceeded"), std::string::npos) << s.message();
  EXPECT_EQ(p.Decide(1, c, Wait(0), deadline, deadline).action, RetryAction::kDeadlineExceeded);
  // A final outcome reports itself even when the deadline has passed.
  EXPECT_EQ(p.Decide(1, Classify(401, HttpHeaders{}, ""), RetryDelay{}, deadline + 1, deadline).code,
            StatusCode::kUnauthenticated);
}

TEST(DecideTest, DeadlineFromTotalTimeout) {
  RetryPolicy p;
  EXPECT_EQ(p.DeadlineFrom(5), kNoDeadline);
  p.total_timeout_micros = 30 * kSecond;
  EXPECT_EQ(p.DeadlineFrom(5), 5 + 30 * kSecond);
  EXPECT_EQ(p.DeadlineFrom(kNoDeadline - 1), kNoDeadline);
}

TEST(DecideTest, ThrottledStopCarriesRetryAfter) {
  RetryPolicy p;
  Classification c = Classify(429, HttpHeaders{}, kTokens429);
  RetryDelay delay = p.NextDelay(3, c, Headers({{"retry-after-ms", "1500"}}), 0, Fixed(0));
  RetryDecision d = p.Decide(3, c, delay, 0, kNoDeadline);
  ASSERT_EQ(d.action, RetryAction::kStop);
  Status s = FinalStatus(c, d);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(s.IsRetryable());
  EXPECT_EQ(s.retry_after(), std::chrono::milliseconds(1500));

  // A hint beyond the cap was not waited on, but it is the truthful retry_after.
  delay = p.NextDelay(3, c, Headers({{"x-ratelimit-reset-tokens", "2h0m0s"}}), 0, Fixed(0));
  EXPECT_EQ(delay.source, DelaySource::kBackoff);
  d = p.Decide(3, c, delay, 0, kNoDeadline);
  EXPECT_EQ(FinalStatus(c, d).retry_after(), std::chrono::milliseconds(7'200'000));
}

TEST(DecideTest, ServerVerdictWins) {
  RetryPolicy p;
  Classification c = Classify(500, Headers({{"x-should-retry", "false"}}), "");
  EXPECT_EQ(p.Decide(1, c, RetryDelay{}, 0, kNoDeadline).action, RetryAction::kStop);
  Classification yes = Classify(400, Headers({{"x-should-retry", "true"}}), "");
  EXPECT_EQ(p.Decide(1, yes, RetryDelay{}, 0, kNoDeadline).action, RetryAction::kRetry);
}

// ---- Idempotency keys ----

TEST(IdempotencyKeyTest, FormatFromInjectedRandomness) {
  std::vector<uint64_t> values = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  size_t next = 0;
  std::string key = MakeIdempotencyKey([&] { return values[next++ % values.size()]; });
  EXPECT_EQ(key, "llmgate-0123456789abcdeffedcba9876543210");
  EXPECT_EQ(next, 2u);

  std::string zero = MakeIdempotencyKey([] { return uint64_t{0}; });
  EXPECT_EQ(zero, "llmgate-00000000000000000000000000000000");
  std::mt19937_64 rng(1);
  std::string a = MakeIdempotencyKey([&] { return rng(); });
  std::string b = MakeIdempotencyKey([&] { return rng(); });
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 40u);
  EXPECT_EQ(kIdempotencyKeyHeader, "Idempotency-Key");
}

}  // namespace
}  // namespace llmgate::internal
