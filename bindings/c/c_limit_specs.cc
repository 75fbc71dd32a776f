#include "c_limit_specs.h"

#include "limit/limit_convert.h"
#include "limit/limit_spec.h"

namespace llmgate::c_api {

Result<std::vector<Limit>> ParseLimits(std::string_view specs) {
  auto defs = internal::ParseLimitSpecs(specs);
  if (!defs.ok()) return defs.status();
  std::vector<Limit> limits;
  limits.reserve(defs->size());
  for (const internal::LimitDef& def : *defs) limits.push_back(internal::ToPublicLimit(def));
  return limits;
}

}  // namespace llmgate::c_api
