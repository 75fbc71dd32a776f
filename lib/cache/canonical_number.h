// Rule 3 of canonical.h: one spelling per number.
#ifndef LLMGATE_LIB_CACHE_CANONICAL_NUMBER_H_
#define LLMGATE_LIB_CACHE_CANONICAL_NUMBER_H_

#include <cstddef>

namespace llmgate::internal {

// Where and why a body stops being valid JSON. `at` points into the body.
struct SyntaxError {
  const char* at = nullptr;
  const char* reason = nullptr;
};

// The longest canonical number: the shortest form of a double is at most 24 characters.
constexpr size_t kMaxCanonicalNumber = 32;

// Reads the JSON number that starts at p (a '-' or a digit) in [p, end) and writes its
// canonical form at *out (at most kMaxCanonicalNumber bytes), advancing *out. Returns the
// end of the number, or nullptr with *error set if the text is not a JSON number or its
// value cannot be held (an integer literal outside [-2^63, 2^64), a double that overflows).
const char* WriteCanonicalNumber(const char* p, const char* end, char** out, SyntaxError* error);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CANONICAL_NUMBER_H_
