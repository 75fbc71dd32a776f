// The public face of limit specs (llmgate/limiter.h): the parser and printer of
// limit_spec.h over the public Limit.
#include "limit/limit_convert.h"
#include "limit/limit_spec.h"
#include "llmgate/limiter.h"

namespace llmgate {

Result<std::vector<Limit>> ParseLimits(std::string_view specs) {
  Result<std::vector<internal::LimitDef>> defs = internal::ParseLimitSpecs(specs);
  if (!defs.ok()) return defs.status();
  std::vector<Limit> limits;
  limits.reserve(defs->size());
  for (const internal::LimitDef& def : *defs) limits.push_back(internal::ToPublicLimit(def));
  return limits;
}

std::string FormatLimit(const Limit& limit) {
  return internal::FormatLimitSpec(internal::ToLimitDef(limit, ""));
}

}  // namespace llmgate
