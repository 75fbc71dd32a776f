#include "llmgate/gate.h"

namespace llmgate {
Gate::~Gate() = default;
}  // namespace llmgate
