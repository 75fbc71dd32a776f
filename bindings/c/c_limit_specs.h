// Limit specs (LLMGATE_LIMITS syntax) as public limits, for the C functions that take
// them as text. The parser is the library's own (lib/limit/limit_spec.h).
#ifndef LLMGATE_BINDINGS_C_C_LIMIT_SPECS_H_
#define LLMGATE_BINDINGS_C_C_LIMIT_SPECS_H_

#include <string_view>
#include <vector>

#include "llmgate/limiter.h"
#include "llmgate/status.h"

namespace llmgate::c_api {

// Limits with an empty scope where the spec names none (the gate's default scope).
Result<std::vector<Limit>> ParseLimits(std::string_view specs);

}  // namespace llmgate::c_api

#endif  // LLMGATE_BINDINGS_C_C_LIMIT_SPECS_H_
