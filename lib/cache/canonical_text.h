// Rules 2 and 6 of canonical.h for the text of one JSON string: decoding input escapes,
// writing the one canonical spelling, collapsing white space in message text, and naming
// the byte where text stops being UTF-8. The writer copies plain text itself (json_scan.h);
// these run from the first escape on, and for the rarer strings that need more.
#ifndef LLMGATE_LIB_CACHE_CANONICAL_TEXT_H_
#define LLMGATE_LIB_CACHE_CANONICAL_TEXT_H_

#include <string_view>

#include "util/json_text.h"  // WriteEscape, FindInvalidUtf8

namespace llmgate::internal {

// Reads the escape sequence at p (a backslash) in [p, end) and writes its character at *out
// in canonical form, advancing *out by at most the length of the sequence. Returns the end of
// the sequence, or nullptr with *error set to why it is invalid (the error is at p).
const char* CopyEscape(const char* p, const char* end, char** out, const char** error);

// Writes the unescaped text of a valid JSON string (text is what lies between its quotes)
// at out, which needs room for text.size() bytes; returns the end.
char* Unescape(std::string_view text, char* out);

// Rule 6: writes text (unescaped) as a canonical JSON string, quotes included, with every run
// of ASCII white space made one space and none at either end; returns the end. The result is
// never longer than the canonical form of the unchanged text.
char* WriteNormalizedString(std::string_view text, char* out);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CANONICAL_TEXT_H_
