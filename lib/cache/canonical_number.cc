#include "cache/canonical_number.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <system_error>

namespace llmgate::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

const char* SkipDigits(const char* p, const char* end) {
  while (p != end && IsDigit(*p)) ++p;
  return p;
}

const char* Failed(SyntaxError* error, const char* at, const char* reason) {
  *error = SyntaxError{at, reason};
  return nullptr;
}

// Whether the integer literal [p, end) fits the 64-bit integer a parser would hold it in:
// int64 when negative, uint64 otherwise.
bool IntegerFits(const char* p, const char* end, size_t digits) {
  if (digits <= 18) return true;
  std::from_chars_result result;
  if (*p == '-') {
    int64_t value;
    result = std::from_chars(p, end, value);
  } else {
    uint64_t value;
    result = std::from_chars(p, end, value);
  }
  return result.ec == std::errc();
}

// Mantissas below this have at most 15 digits (see WriteShortDecimal).
constexpr uint64_t kMaxShortMantissa = 1'000'000'000'000'000;

// Powers of ten that a double holds exactly.
constexpr double kExactPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// A number as mantissa * 10^exponent, when its digits fit 64 bits.
struct Decimal {
  bool negative = false;
  uint64_t mantissa = 0;
  int exponent = 0;
};

// Reads the valid number [p, end) as a Decimal; false if it has more than 19 digits or an
// exponent beyond +-1000.
bool ReadDecimal(const char* p, const char* end, Decimal* decimal) {
  decimal->negative = *p == '-';
  p += decimal->negative;
  uint64_t mantissa = 0;
  int digits = 0;
  int exponent = 0;
  bool fraction = false;
  for (; p != end && *p != 'e' && *p != 'E'; ++p) {
    if (*p == '.') {
      fraction = true;
      continue;
    }
    if (++digits > 19) return false;
    mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    exponent -= fraction;
  }
  if (p != end) {
    ++p;
    const bool negative_exponent = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    int explicit_exponent = 0;
    for (; p != end; ++p) {
      explicit_exponent = explicit_exponent * 10 + (*p - '0');
      if (explicit_exponent > 1000) return false;
    }
    exponent += negative_exponent ? -explicit_exponent : explicit_exponent;
  }
  decimal->mantissa = mantissa;
  decimal->exponent = exponent;
  return true;
}

// Clinger's fast path, as simdjson takes it: a mantissa below 2^53 and a power of ten up to
// 1e22 are both exact doubles, so one multiplication or division rounds correctly. False
// when the decimal is not that simple.
bool ExactDouble(const Decimal& decimal, double* value) {
  if (decimal.mantissa >= (uint64_t{1} << 53) || decimal.exponent < -22 || decimal.exponent > 22) return false;
  const double mantissa = static_cast<double>(decimal.mantissa);
  const double result =
      decimal.exponent < 0 ? mantissa / kExactPowers[-decimal.exponent] : mantissa * kExactPowers[decimal.exponent];
  *value = decimal.negative ? -result : result;
  return true;
}

// std::to_chars's shortest form, written directly for a decimal with a fraction and at most
// 15 significant digits (mantissa not a multiple of 10, exponent < 0). Such a decimal is the
// only one of at most 15 digits that reads back as its double (a double tells 15-digit
// decimals apart), so its digits are the shortest; to_chars then takes the shorter of fixed
// and scientific notation, fixed on a tie.
char* WriteShortDecimal(const Decimal& decimal, char* out) {
  char digits[24];
  const int count = static_cast<int>(std::to_chars(digits, digits + sizeof(digits), decimal.mantissa).ptr - digits);
  const int point = count + decimal.exponent;  // digits before the decimal point
  const int scientific_exponent = point - 1;
  const int fixed_size = point > 0 ? count + 1 : 2 - decimal.exponent;
  const int scientific_size = count + (count > 1) + 2 + (scientific_exponent <= -100 ? 3 : 2);
  if (decimal.negative) *out++ = '-';
  if (fixed_size <= scientific_size) {
    if (point > 0) {
      out = std::copy(digits, digits + point, out);
      *out++ = '.';
      return std::copy(digits + point, digits + count, out);
    }
    *out++ = '0';
    *out++ = '.';
    out = std::fill_n(out, -point, '0');
    return std::copy(digits, digits + count, out);
  }
  *out++ = digits[0];
  if (count > 1) {
    *out++ = '.';
    out = std::copy(digits + 1, digits + count, out);
  }
  *out++ = 'e';
  *out++ = scientific_exponent < 0 ? '-' : '+';
  const int magnitude = scientific_exponent < 0 ? -scientific_exponent : scientific_exponent;
  if (magnitude >= 100) *out++ = static_cast<char>('0' + magnitude / 100);
  *out++ = static_cast<char>('0' + magnitude / 10 % 10);
  *out++ = static_cast<char>('0' + magnitude % 10);
  return out;
}

// floor(log10(|number|)) of the number [p, end), enough to tell underflow from overflow;
// very negative for zero.
int64_t DecimalExponent(const char* p, const char* end) {
  if (*p == '-') ++p;
  int64_t integer_digits = 0;  // counted from the first nonzero one
  int64_t fraction_zeros = 0;  // before the first nonzero digit, when the integer part is 0
  bool seen_nonzero = false;
  for (; p != end && IsDigit(*p); ++p) {
    seen_nonzero |= *p != '0';
    if (seen_nonzero) ++integer_digits;
  }
  if (p != end && *p == '.') {
    for (++p; p != end && IsDigit(*p); ++p) {
      if (!seen_nonzero && *p == '0') ++fraction_zeros;
      seen_nonzero |= *p != '0';
    }
  }
  if (!seen_nonzero) return INT64_MIN / 2;
  const int64_t magnitude = integer_digits > 0 ? integer_digits - 1 : -(fraction_zeros + 1);
  int64_t exponent = 0;
  bool negative = false;
  if (p != end) {  // 'e' or 'E'
    ++p;
    if (*p == '+' || *p == '-') negative = *p++ == '-';
    for (; p != end; ++p) exponent = std::min<int64_t>(exponent * 10 + (*p - '0'), 1'000'000'000);
  }
  return magnitude + (negative ? -exponent : exponent);
}

// The correctly rounded double of the number [p, end). A number too small for a double is
// zero, as simdjson reads it; false if it is too large.
bool ReadDouble(const char* p, const char* end, double* value) {
  const std::from_chars_result result = std::from_chars(p, end, *value);
  if (result.ec == std::errc()) return true;
  if (DecimalExponent(p, end) >= 0) return false;  // overflow
  *value = 0;  // underflow; -0 would print the same
  return true;
}

// Integral values that fit int64/uint64 print as integers, exactly like the integer literals
// they equal (every double of magnitude 2^53 or more is integral); others print in their
// shortest round-trip form.
char* WriteDouble(double value, char* out) {
  char* const end = out + kMaxCanonicalNumber;
  if (value >= -0x1p63 && value < 0x1p63) {
    const auto integral = static_cast<int64_t>(value);
    if (static_cast<double>(integral) == value) return std::to_chars(out, end, integral).ptr;  // also -0 -> 0
  } else if (value >= 0x1p63 && value < 0x1p64) {
    return std::to_chars(out, end, static_cast<uint64_t>(value)).ptr;
  }
  return std::to_chars(out, end, value).ptr;
}

}  // namespace

const char* WriteCanonicalNumber(const char* p, const char* end, char** out, SyntaxError* error) {
  const char* const start = p;
  const bool negative = *p == '-';
  if (negative) ++p;
  if (p == end || !IsDigit(*p)) return Failed(error, p, "invalid number");
  const char* const digits = p;
  p = *p == '0' ? p + 1 : SkipDigits(p, end);
  const char* const integer_end = p;
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !IsDigit(*p)) return Failed(error, p, "invalid number: digits must follow '.'");
    p = SkipDigits(p, end);
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !IsDigit(*p)) return Failed(error, p, "invalid number: digits must follow the exponent");
    p = SkipDigits(p, end);
  }
  if (p != end && (IsDigit(*p) || *p == '.')) return Failed(error, p, "invalid number");

  if (p == integer_end) {  // an integer literal: already canonical, but for "-0"
    if (!IntegerFits(start, p, static_cast<size_t>(p - digits))) {
      return Failed(error, start, "integer outside the 64-bit range");
    }
    *out = negative && p - digits == 1 && *digits == '0' ? std::fill_n(*out, 1, '0') : std::copy(start, p, *out);
    return p;
  }
  // The common decimals (0.7, 1.0, 2.5e-3) take a fast path through both conversions.
  Decimal decimal;
  double value;
  if (ReadDecimal(start, p, &decimal) && ExactDouble(decimal, &value)) {
    while (decimal.mantissa != 0 && decimal.mantissa % 10 == 0) {
      decimal.mantissa /= 10;
      ++decimal.exponent;
    }
    if (decimal.mantissa != 0 && decimal.exponent < 0 && decimal.mantissa < kMaxShortMantissa) {
      *out = WriteShortDecimal(decimal, *out);
      return p;
    }
  } else if (!ReadDouble(start, p, &value)) {
    return Failed(error, start, "number too large for a double");
  }
  *out = WriteDouble(value, *out);
  return p;
}

}  // namespace llmgate::internal
