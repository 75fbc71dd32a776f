// Request canonicalization for cache keys: two requests that must get the same answer map
// to one byte string, and so to one XXH3-128 key.
//
// The canonical form of a request is
//
//   cache_namespace '\0' path '\0' canonical-json-body
//
// built by these rules (the README's "Cache keys" section documents the same list):
//
//  1. The body must be a JSON object. It is re-emitted minified (no white space outside
//     strings) with the members of every object, at every depth, sorted bytewise by their
//     unescaped UTF-8 key (except the "properties" of JSON schemas, rule 8). Array order is
//     kept. When an object repeats a key, the last occurrence wins and the earlier ones are
//     dropped, as in most JSON parsers.
//
//  2. Strings (keys and values) are re-escaped one way: '"' and '\' as \" and \\; control
//     characters below 0x20 as \b \f \n \r \t, or \u00XX with lowercase hex for the others;
//     everything else, including '/', DEL and non-ASCII UTF-8, is emitted raw. So "\u00e9"
//     and "é" are one string, and "\/" and "/" are too.
//
//  3. Numbers take one form. A number with an integral value in [-2^63, 2^64) prints as
//     that integer: 1, 1.0, 1e0, 1.00 and 10e-1 all print 1, -0 prints 0, and 1e18 prints
//     1000000000000000000. Integer literals (no fraction, no exponent) print exactly, even
//     above 2^53; other spellings are read as a double first, so 9007199254740993.0 prints
//     9007199254740992. Every other number prints as the shortest decimal that reads back
//     as the same double (std::to_chars without a format): 0.5, 5e-1 and 0.50 all print
//     0.5; 1e300 prints 1e+300. Integer literals outside [-2^63, 2^64) and numbers beyond
//     the double range are rejected as invalid JSON (the parser cannot hold them).
//
//  4. Top-level body fields that do not change the answer are dropped, on every endpoint:
//       user, stream, stream_options, metadata, store, service_tier,
//       safety_identifier, prompt_cache_key, prompt_cache_retention.
//     Fields of the same name nested deeper are kept.
//
//  5. Documented OpenAI defaults are filled in at the top level when a field is absent or
//     null (OpenAI treats null as absent), so sending the default equals omitting it:
//
//       endpoint (path suffix)   field               default
//       chat/completions         temperature         1
//                                top_p               1
//                                n                   1
//                                presence_penalty    0
//                                frequency_penalty   0
//                                logprobs            false
//       completions              temperature         1
//                                top_p               1
//                                n                   1
//                                presence_penalty    0
//                                frequency_penalty   0
//       embeddings               encoding_format     "float"
//       images/generations       n                   1
//
//     The endpoint is the path without its query string and trailing '/', matched on whole
//     segments at its end: "/chat/completions", "/v1/chat/completions" and
//     "chat/completions" are chat; "/v1/completions" is completions.
//
//  6. Optional (CanonicalOptions::normalize_whitespace, off by default): in message text
//     only, every run of ASCII white space (space, \t, \n, \r, \f, \v) becomes one space and
//     leading and trailing white space is removed. Message text is:
//       chat/completions: messages[i].content when a string, and messages[i].content[j].text
//                         when that part's type is "text";
//       completions:      prompt when a string, and the strings of a prompt array;
//       responses:        input and instructions when strings, input[i].content when a
//                         string, and input[i].content[j].text when that part's type is
//                         "input_text", "output_text" or "text".
//     Nothing else is touched (not keys, tool descriptions, schemas or other strings), and
//     other Unicode white space (U+00A0, ...) is kept.
//
//  7. The namespace is copied as given. The path is copied as given (query string included)
//     except that one trailing '/' is removed. Neither should contain '\0'.
//
//  8. Inside JSON schemas, a "properties" object keeps its members in input order (rule 1
//     does not sort it): Structured Outputs generate keys in schema order, so two schemas
//     that differ only there may get different answers. A repeated property keeps its first
//     position and takes its last value (as Python's json module reads it). The schemas are
//       response_format.json_schema.schema, tools[i].function.parameters and
//       functions[i].parameters (chat); text.format.schema and tools[i].parameters
//       (responses),
//     followed from the top level on every endpoint. Every object member named "properties"
//     anywhere inside them counts; all other objects there are sorted as usual.
//
// Values nested deeper than 1024 levels are rejected as invalid JSON: the body object is
// level 1, so an object or array at level 1024 must be empty (the limit of the simdjson
// parser earlier versions used). The form is built in a single pass over the body
// (canonical_writer.h), which recurses once per level, about 160 bytes of stack each.
#ifndef LLMGATE_LIB_CACHE_CANONICAL_H_
#define LLMGATE_LIB_CACHE_CANONICAL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "llmgate/status.h"

namespace llmgate::internal {

struct CanonicalOptions {
  // Rule 6: collapse ASCII white space in message text.
  bool normalize_whitespace = false;
};

struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;
  bool operator==(const Hash128& other) const { return low == other.low && high == other.high; }
  bool operator!=(const Hash128& other) const { return !(*this == other); }
};

// Replaces *out with the canonical form of a request (see above). Returns kInvalidArgument,
// with the byte offset and reason when known, for malformed JSON or a body that is not a
// JSON object; *out is then unspecified. *out must not overlap the inputs. Thread-safe:
// each thread reuses its own scratch buffers.
Status Canonicalize(std::string_view cache_namespace, std::string_view path, std::string_view body_json,
                    const CanonicalOptions& options, std::string* out);

// XXH3-128 of a canonical form (low and high 64-bit halves as XXH3_128bits returns them).
Hash128 HashCanonical(std::string_view canonical);

// True if text is one valid JSON value of any type, with optional surrounding white space.
// Used to refuse storing responses that are not JSON.
bool IsValidJson(std::string_view text);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CANONICAL_H_
