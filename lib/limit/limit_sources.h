// Where configured limits come from when a gate opens: Options::limits, the
// LLMGATE_LIMITS environment variable and a limits file (Options::limits_file, else
// $LLMGATE_LIMITS_FILE). Specs in the variable and the file use limit_spec.h's syntax.
#ifndef LLMGATE_LIB_LIMIT_LIMIT_SOURCES_H_
#define LLMGATE_LIB_LIMIT_LIMIT_SOURCES_H_

#include <string>
#include <vector>

#include "limit/limit_def.h"
#include "llmgate/options.h"
#include "llmgate/status.h"
#include "util/logger.h"

namespace llmgate::internal {

// Every configured limit, source kConfigured, scope filled in (an unscoped one gets
// Options::default_scope). When several sources define the same limit (scope, dimension,
// window and kind), the more specific one wins: the file is overridden by the variable,
// and both by Options::limits, the way code overrides its environment.
// kInvalidArgument naming the source and the offending spec or field;
// kFailedPrecondition when a named limits file cannot be read.
Result<std::vector<LimitDef>> CollectConfiguredLimits(const Options& options, const Logger& logger);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_LIMIT_SOURCES_H_
