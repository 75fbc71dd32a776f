// The canonical JSON body of a request (rules 1-6 and 8 of canonical.h), built in one pass:
// a strict recursive-descent JSON parser that writes each value in canonical form as it
// reads it. Objects are written in input order and re-arranged when they close, and only
// if their keys were not already in order.
#ifndef LLMGATE_LIB_CACHE_CANONICAL_WRITER_H_
#define LLMGATE_LIB_CACHE_CANONICAL_WRITER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "cache/canonical_place.h"

namespace llmgate::internal {

// Why a body has no canonical form.
struct BodyError {
  // The body is not valid JSON: reason, and the byte offset where it stops being JSON.
  const char* reason = nullptr;
  size_t offset = 0;
  // Or it is, but its value is not an object: "an array", "a string", ...
  const char* not_object = nullptr;
};

// Writes the canonical form of body, which must be a JSON object, into *out from offset on
// (what *out holds before offset is kept) and trims *out after it. False, with *error set,
// if body is not valid JSON or not an object; *out is then unspecified. Thread-safe: each
// thread reuses its own scratch buffers.
bool WriteCanonicalBody(std::string_view body, Endpoint endpoint, bool normalize_whitespace, std::string* out,
                        size_t offset, BodyError* error);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CANONICAL_WRITER_H_
