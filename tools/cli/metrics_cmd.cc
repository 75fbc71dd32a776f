// llmgate metrics
#include <cstdio>

#include "cli/commands.h"
#include "cli/metrics.h"
#include "cli/snapshot.h"

namespace llmgate::cli {

int RunMetrics(const Invocation& inv) {
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  Result<Snapshot> snapshot = TakeSnapshot(**gate);
  if (!snapshot.ok()) return Fail(snapshot.status());
  std::fputs(RenderMetrics(*snapshot).c_str(), stdout);
  return kExitOk;
}

}  // namespace llmgate::cli
