// Gate construction hooks for tests: the same gate with a scripted HTTP transport.
#ifndef LLMGATE_LIB_GATE_INTERNAL_H_
#define LLMGATE_LIB_GATE_INTERNAL_H_

#include <memory>

#include "http/transport.h"
#include "llmgate/gate.h"

namespace llmgate::internal {

// Gate::Open, with `transport` (when not null) in place of libcurl.
Result<std::unique_ptr<Gate>> OpenGateWithTransport(const Options& options, std::unique_ptr<HttpTransport> transport);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_GATE_INTERNAL_H_
