// The per-endpoint tables of canonical.h: which top-level fields are dropped (rule 4), which
// defaults are filled in (rule 5), and which endpoint a path names.
#ifndef LLMGATE_LIB_CACHE_CANONICAL_RULES_H_
#define LLMGATE_LIB_CACHE_CANONICAL_RULES_H_

#include <cstddef>
#include <string_view>

#include "cache/canonical_place.h"

namespace llmgate::internal {

struct DefaultField {
  std::string_view key;
  std::string_view canonical_json;  // already in canonical form
};

struct DefaultTable {
  const DefaultField* begin = nullptr;
  const DefaultField* end = nullptr;

  size_t size() const { return static_cast<size_t>(end - begin); }
};

// Rule 5: the defaults of an endpoint, sorted by key.
DefaultTable DefaultsFor(Endpoint endpoint);

// Rule 4: true for a top-level field that never changes the answer.
bool IsDroppedField(std::string_view key);

// The path without one trailing '/' (rule 7).
std::string_view TrimTrailingSlash(std::string_view path);

// The endpoint a path names (rule 5): its end without the query string and a trailing '/',
// matched on whole segments.
Endpoint EndpointOf(std::string_view path);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CANONICAL_RULES_H_
