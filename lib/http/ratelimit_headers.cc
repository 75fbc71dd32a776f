#include "http/ratelimit_headers.h"

#include <charconv>
#include <string>

#include "http/duration.h"

namespace llmgate::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || s.empty()) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseReset(std::string_view s) {
  if (auto d = ParseGoDuration(s)) return d;
  return ParseDecimalToMicros(s, 1'000'000);
}

RateLimitWindow ParseWindow(const HttpHeaders& h, std::string_view dimension) {
  auto get = [&](std::string_view what) {
    std::string name = "x-ratelimit-";
    name.append(what).append("-").append(dimension);
    return h.Find(name);
  };
  RateLimitWindow w;
  if (auto v = get("limit")) {
    if (auto n = ParseInt(*v); n && *n > 0) w.limit = n;
  }
  if (auto v = get("remaining")) {
    if (auto n = ParseInt(*v); n && *n >= 0) w.remaining = n;
  }
  if (auto v = get("reset")) w.reset_micros = ParseReset(*v);
  return w;
}

// A cursor over a date string; every step returns false on a mismatch.
class DateScanner {
 public:
  explicit DateScanner(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  bool Skip(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpaces() {
    while (Peek() == ' ') ++pos_;
  }
  std::string_view Word() {
    size_t start = pos_;
    while (IsAlpha(Peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // Between min_digits and max_digits digits.
  bool Number(int min_digits, int max_digits, int* out, int* digits = nullptr) {
    int n = 0;
    int v = 0;
    while (n < max_digits && IsDigit(Peek())) {
      v = v * 10 + (s_[pos_++] - '0');
      ++n;
    }
    if (n < min_digits) return false;
    *out = v;
    if (digits) *digits = n;
    return true;
  }
  // hh:mm:ss
  bool Time(int* h, int* m, int* s) {
    return Number(2, 2, h) && Skip(':') && Number(2, 2, m) && Skip(':') && Number(2, 2, s);
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

int MonthNumber(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i) {
    if (EqualsIgnoreCase(name, kMonths[i])) return i + 1;
  }
  return 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsGmt(std::string_view zone) { return EqualsIgnoreCase(zone, "GMT") || EqualsIgnoreCase(zone, "UTC"); }

std::optional<int64_t> ToMicros(int year, int month, int day, int h, int m, int s) {
  static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDaysIn[month - 1]) return std::nullopt;
  if (h > 23 || m > 59 || s > 60) return std::nullopt;  // 60: a leap second
  int64_t days = DaysFromCivil(year, month, day);
  return ((days * 24 + h) * 60 + m) * int64_t{60'000'000} + int64_t{s} * 1'000'000;
}

}  // namespace

std::string_view RateDimensionName(RateDimension d) {
  switch (d) {
    case RateDimension::kRequests: return "requests";
    case RateDimension::kTokens: return "tokens";
    case RateDimension::kImages: return "images";
  }
  return "";
}

const RateLimitWindow& RateLimitHeaders::window(RateDimension d) const {
  switch (d) {
    case RateDimension::kTokens: return tokens;
    case RateDimension::kImages: return images;
    case RateDimension::kRequests: break;
  }
  return requests;
}

RateLimitHeaders ParseRateLimitHeaders(const HttpHeaders& h, int64_t now_micros) {
  RateLimitHeaders r;
  r.requests = ParseWindow(h, "requests");
  r.tokens = ParseWindow(h, "tokens");
  r.images = ParseWindow(h, "images");
  if (auto v = h.Find("retry-after-ms")) r.retry_after_ms = ParseRetryAfterMs(*v);
  if (auto v = h.Find("retry-after")) r.retry_after = ParseRetryAfter(*v, now_micros);
  if (auto v = h.Find("x-request-id")) r.request_id = std::string(*v);
  if (auto v = h.Find("openai-organization")) r.organization = std::string(*v);
  if (auto v = h.Find("openai-project")) r.project = std::string(*v);
  return r;
}

std::optional<int64_t> ParseRetryAfterMs(std::string_view value) { return ParseDecimalToMicros(value, 1'000); }

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_micros) {
  if (auto seconds = ParseDecimalToMicros(value, 1'000'000)) return seconds;
  auto date = ParseHttpDate(value);
  if (!date) return std::nullopt;
  return *date > now_micros ? *date - now_micros : 0;
}

std::optional<int64_t> ParseHttpDate(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  DateScanner in(value);
  if (in.Word().size() < 3) return std::nullopt;  // the weekday, short or long
  int year = 0, day = 0, h = 0, m = 0, s = 0, month = 0;
  if (in.Skip(',')) {
    in.SkipSpaces();
    if (!in.Number(1, 2, &day)) return std::nullopt;
    if (in.Skip('-')) {  // RFC 850: 06-Nov-94
      month = MonthNumber(in.Word());
      int digits = 0;
      if (!in.Skip('-') || !in.Number(2, 4, &year, &digits)) return std::nullopt;
      if (digits == 2) year += year < 70 ? 2000 : 1900;
    } else {  // IMF-fixdate: 06 Nov 1994
      in.SkipSpaces();
      month = MonthNumber(in.Word());
      in.SkipSpaces();
      if (!in.Number(4, 4, &year)) return std::nullopt;
    }
    in.SkipSpaces();
    if (!in.Time(&h, &m, &s)) return std::nullopt;
    in.SkipSpaces();
    if (!IsGmt(in.Word())) return std::nullopt;
  } else {  // asctime: Nov  6 08:49:37 1994
    in.SkipSpaces();
    month = MonthNumber(in.Word());
    in.SkipSpaces();
    if (!in.Number(1, 2, &day)) return std::nullopt;
    in.SkipSpaces();
    if (!in.Time(&h, &m, &s)) return std::nullopt;
    in.SkipSpaces();
    if (!in.Number(4, 4, &year)) return std::nullopt;
  }
  in.SkipSpaces();
  if (!in.AtEnd()) return std::nullopt;
  return ToMicros(year, month, day, h, m, s);
}

}  // namespace llmgate::internal
