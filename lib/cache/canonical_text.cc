#include "cache/canonical_text.h"

#include <cstdint>

#include "cache/json_scan.h"
#include "util/json_text.h"

namespace llmgate::internal {
namespace {

// The 4 hex digits at p, or -1 if [p, end) does not start with 4 of them.
int HexUnit(const char* p, const char* end) {
  if (end - p < 4) return -1;
  int unit = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return -1;
    }
    unit = unit * 16 + digit;
  }
  return unit;
}

// Reads the \uXXXX escape at p, or a surrogate pair of them, as one code point. Returns the
// end of the escape, or nullptr with *error set.
const char* ReadUnicodeEscape(const char* p, const char* end, uint32_t* code_point, const char** error) {
  const int unit = HexUnit(p + 2, end);
  if (unit < 0) {
    *error = "invalid \\u escape";
    return nullptr;
  }
  if (unit < 0xD800 || unit > 0xDFFF) {
    *code_point = static_cast<uint32_t>(unit);
    return p + 6;
  }
  // A high surrogate must be followed by an escaped low one; a low one alone is an error.
  const bool has_next = unit <= 0xDBFF && end - p >= 8 && p[6] == '\\' && p[7] == 'u';
  const int low = has_next ? HexUnit(p + 8, end) : -1;
  if (low < 0xDC00 || low > 0xDFFF) {
    *error = "unpaired UTF-16 surrogate";
    return nullptr;
  }
  *code_point = 0x10000 + ((static_cast<uint32_t>(unit) - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
  return p + 12;
}

char* WriteUtf8(uint32_t code_point, char* out) {
  if (code_point < 0x80) {
    *out++ = static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    *out++ = static_cast<char>(0xC0 | code_point >> 6);
    *out++ = static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    *out++ = static_cast<char>(0xE0 | code_point >> 12);
    *out++ = static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    *out++ = static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | code_point >> 18);
    *out++ = static_cast<char>(0x80 | (code_point >> 12 & 0x3F));
    *out++ = static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    *out++ = static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return out;
}

// The character an escape other than \u stands for, or 0 if the escape is invalid.
char SimpleEscapeValue(char c) {
  switch (c) {
    case '"':
    case '\\':
    case '/':
      return c;
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return 0;
  }
}

bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // \t \n \v \f \r

}  // namespace

const char* CopyEscape(const char* p, const char* end, char** out, const char** error) {
  if (end - p < 2) {
    *error = "unterminated string";
    return nullptr;
  }
  uint32_t code_point;
  const char* next = p + 2;
  if (p[1] == 'u') {
    next = ReadUnicodeEscape(p, end, &code_point, error);
    if (next == nullptr) return nullptr;
  } else if (const char value = SimpleEscapeValue(p[1])) {
    code_point = static_cast<unsigned char>(value);
  } else {
    *error = "invalid escape sequence";
    return nullptr;
  }
  // Every escape is at least as long as what it becomes: "\/" is 2 bytes for 1, "\u00e9" 6
  // for 2, "\u0001" 6 for 6.
  if (code_point < 0x80 && NeedsEscape(static_cast<unsigned char>(code_point))) {
    *out = WriteEscape(*out, static_cast<unsigned char>(code_point));
  } else {
    *out = WriteUtf8(code_point, *out);
  }
  return next;
}

char* Unescape(std::string_view text, char* out) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p != end) {
    if (*p != '\\') {
      *out++ = *p++;
      continue;
    }
    if (p[1] == 'u') {
      uint32_t code_point = 0;
      const char* error;
      p = ReadUnicodeEscape(p, end, &code_point, &error);  // valid text: cannot fail
      out = WriteUtf8(code_point, out);
    } else {
      *out++ = SimpleEscapeValue(p[1]);
      p += 2;
    }
  }
  return out;
}

char* WriteNormalizedString(std::string_view text, char* out) {
  *out++ = '"';
  bool space_pending = false;
  bool wrote_any = false;
  for (const char c : text) {
    if (IsAsciiSpace(c)) {
      space_pending = wrote_any;
      continue;
    }
    if (space_pending) {
      *out++ = ' ';
      space_pending = false;
    }
    wrote_any = true;
    if (NeedsEscape(static_cast<unsigned char>(c))) {
      out = WriteEscape(out, static_cast<unsigned char>(c));
    } else {
      *out++ = c;
    }
  }
  *out++ = '"';
  return out;
}

}  // namespace llmgate::internal
