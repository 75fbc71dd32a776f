// Conversions between the public limiter types (llmgate/limiter.h) and the pure core's
// (limit_def.h, plan.h, bucket.h). The core keeps plain int64 microseconds and its own
// enums so that it depends on nothing public; this is the one place they meet.
#ifndef LLMGATE_LIB_LIMIT_LIMIT_CONVERT_H_
#define LLMGATE_LIB_LIMIT_LIMIT_CONVERT_H_

#include <string>
#include <string_view>
#include <vector>

#include "limit/bucket.h"
#include "limit/limit_def.h"
#include "limit/plan.h"
#include "llmgate/limiter.h"

namespace llmgate::internal {

// The public limit as a core definition; an empty scope becomes `default_scope`.
LimitDef ToLimitDef(const llmgate::Limit& limit, std::string_view default_scope);
llmgate::Limit ToPublicLimit(const LimitDef& def);

std::vector<Cost> ToCoreCosts(const std::vector<llmgate::Cost>& costs);
std::vector<llmgate::Cost> ToPublicCosts(const std::vector<Cost>& costs);

Reservation ToCoreReservation(const llmgate::Reservation& r);
llmgate::Reservation ToPublicReservation(const Reservation& r);

llmgate::LimitUsage ToPublicUsage(const LimitDef& def, const LimitUsage& usage);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_LIMIT_CONVERT_H_
