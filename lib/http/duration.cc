#include "http/duration.h"

#include <limits>

namespace llmgate::internal {
namespace {

constexpr uint64_t kMaxNanos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Nanoseconds per unit; 0 for an unknown unit. Both spellings of the micro sign occur:
// U+00B5 (what Go prints) and U+03BC (Greek mu, what people type).
uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

// Appends `value` with exactly `width` digits, then drops trailing zeros (and the point
// when nothing is left), as Go does for fractions.
void AppendFraction(std::string* out, int64_t value, int width) {
  if (value == 0) return;
  std::string digits(static_cast<size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i) {
    digits[static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out->push_back('.');
  out->append(digits);
}

}  // namespace

std::optional<int64_t> ParseGoDuration(std::string_view s) {
  s = TrimSpace(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;

  uint64_t total = 0;
  while (!s.empty()) {
    size_t i = 0;
    uint64_t whole = 0;
    bool has_whole = false;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      uint64_t d = static_cast<uint64_t>(s[i] - '0');
      if (whole > (kMaxNanos - d) / 10) return std::nullopt;
      whole = whole * 10 + d;
      has_whole = true;
    }
    uint64_t frac = 0;
    uint64_t scale = 1;
    bool has_frac = false;
    if (i < s.size() && s[i] == '.') {
      for (++i; i < s.size() && IsDigit(s[i]); ++i) {
        has_frac = true;
        // 18 digits exceed nanosecond precision for every unit; the rest cannot matter.
        if (scale < 1'000'000'000'000'000'000ULL) {
          frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!has_whole && !has_frac) return std::nullopt;

    size_t unit_end = i;
    while (unit_end < s.size() && s[unit_end] != '.' && !IsDigit(s[unit_end])) ++unit_end;
    uint64_t unit = UnitNanos(s.substr(i, unit_end - i));
    if (unit == 0) return std::nullopt;

    if (whole > kMaxNanos / unit) return std::nullopt;
    uint64_t nanos = whole * unit;
    if (frac > 0) {
      // frac < 1e18 and unit < 4e12: the product needs more than 64 bits.
      unsigned __int128 part = static_cast<unsigned __int128>(frac) * unit / scale;
      if (part > kMaxNanos - nanos) return std::nullopt;
      nanos += static_cast<uint64_t>(part);
    }
    if (nanos > kMaxNanos - total) return std::nullopt;
    total += nanos;
    s.remove_prefix(unit_end);
  }
  return static_cast<int64_t>(total / 1000 + (total % 1000 != 0 ? 1 : 0));
}

std::string FormatGoDuration(int64_t micros) {
  if (micros == 0) return "0s";
  std::string out;
  // Unsigned magnitude so that INT64_MIN does not overflow on negation.
  uint64_t u = micros < 0 ? 0 - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  if (micros < 0) out.push_back('-');
  if (u < 1'000) {
    out += std::to_string(u);
    out += "\xC2\xB5s";
    return out;
  }
  if (u < 1'000'000) {
    out += std::to_string(u / 1'000);
    AppendFraction(&out, static_cast<int64_t>(u % 1'000), 3);
    out += "ms";
    return out;
  }
  uint64_t seconds = u / 1'000'000;
  uint64_t hours = seconds / 3600;
  uint64_t minutes = seconds / 60 % 60;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += std::to_string(seconds % 60);
  AppendFraction(&out, static_cast<int64_t>(u % 1'000'000), 6);
  out += "s";
  return out;
}

std::optional<int64_t> ParseDecimalToMicros(std::string_view s, int64_t micros_per_unit) {
  s = TrimSpace(s);
  if (micros_per_unit < 1 || micros_per_unit > 1'000'000'000) return std::nullopt;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  size_t i = 0;
  int64_t whole = 0;
  bool has_digits = false;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    int64_t d = s[i] - '0';
    if (whole > (kMax - d) / 10) return std::nullopt;
    whole = whole * 10 + d;
    has_digits = true;
  }
  int64_t frac = 0;
  int64_t scale = 1;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && IsDigit(s[i]); ++i) {
      has_digits = true;
      if (scale < 1'000'000'000) {
        frac = frac * 10 + (s[i] - '0');
        scale *= 10;
      }
    }
  }
  if (!has_digits || i != s.size()) return std::nullopt;
  if (whole > kMax / micros_per_unit) return std::nullopt;
  int64_t micros = whole * micros_per_unit;
  // frac < 1e9 and micros_per_unit <= 1e9: the product fits in 63 bits.
  int64_t part = frac * micros_per_unit;
  int64_t frac_micros = part / scale + (part % scale != 0 ? 1 : 0);
  if (frac_micros > kMax - micros) return std::nullopt;
  return micros + frac_micros;
}

}  // namespace llmgate::internal
