#include "cache/canonical.h"

#include <xxhash.h>

#include <algorithm>

#include "cache/canonical_rules.h"
#include "cache/canonical_writer.h"
#include "util/json_parser.h"

namespace llmgate::internal {
namespace {

// Larger bodies are refused, as the simdjson parser earlier versions used refused them; the
// writer counts an object's members in 32 bits too.
constexpr size_t kMaxBodySize = 0xFFFFFFFF;

Status BodyErrorStatus(const BodyError& error) {
  if (error.not_object != nullptr) {
    return InvalidArgumentError(std::string("request body must be a JSON object, not ") + error.not_object);
  }
  return InvalidArgumentError("request body is not valid JSON: " + std::string(error.reason) + " at byte " +
                              std::to_string(error.offset));
}

}  // namespace

Status Canonicalize(std::string_view cache_namespace, std::string_view path, std::string_view body_json,
                    const CanonicalOptions& options, std::string* out) {
  if (body_json.empty()) return InvalidArgumentError("request body is empty; it must be a JSON object");
  if (body_json.size() > kMaxBodySize) {
    return InvalidArgumentError("request body is too large to parse (4 GiB or more)");
  }
  path = TrimTrailingSlash(path);
  // Only grow *out here: the body writer sizes it once, and bytes it already holds need no
  // zeroing first.
  const size_t body_offset = cache_namespace.size() + path.size() + 2;
  if (out->size() < body_offset) out->resize(body_offset);
  char* p = std::copy(cache_namespace.begin(), cache_namespace.end(), out->data());
  *p++ = '\0';
  p = std::copy(path.begin(), path.end(), p);
  *p = '\0';
  BodyError error;
  if (!WriteCanonicalBody(body_json, EndpointOf(path), options.normalize_whitespace, out, body_offset, &error)) {
    return BodyErrorStatus(error);
  }
  return Status::Ok();
}

Hash128 HashCanonical(std::string_view canonical) {
  const XXH128_hash_t hash = XXH3_128bits(canonical.data(), canonical.size());
  return Hash128{hash.low64, hash.high64};
}

bool IsValidJson(std::string_view text) {
  if (text.empty()) return false;
  JsonParserLease lease(text.size());
  return !lease.get().parse(text.data(), text.size()).error();
}

}  // namespace llmgate::internal
