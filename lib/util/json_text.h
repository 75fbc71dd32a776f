// The two pieces of JSON string text that the canonical writer (lib/cache) and the JSON
// writer (json_writer.h) share: the one spelling of an escaped byte, and where text stops
// being UTF-8.
#ifndef LLMGATE_LIB_UTIL_JSON_TEXT_H_
#define LLMGATE_LIB_UTIL_JSON_TEXT_H_

namespace llmgate::internal {

// Writes the escape of c, a control byte, '"', '\\' or DEL (at most 6 bytes): the short
// forms \" \\ \b \f \n \r \t where JSON has one, else \u00xx in lowercase. Returns the end.
// The canonical form (cache keys) depends on these spellings: they must not change.
char* WriteEscape(char* out, unsigned char c);

// The first byte of [p, end) that does not start a valid UTF-8 sequence (overlong forms,
// surrogates, code points above U+10FFFF and sequences cut short by end are invalid), or end.
const char* FindInvalidUtf8(const char* p, const char* end);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_JSON_TEXT_H_
