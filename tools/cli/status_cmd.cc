// llmgate status [--json] [--watch [SECONDS]]
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/json_views.h"
#include "cli/snapshot.h"
#include "cli/text_format.h"
#include "cli/text_views.h"

namespace llmgate::cli {

int RunStatus(const Invocation& inv) {
  const bool json = inv.args.Has("--json");
  const bool watch = inv.args.Has("--watch");
  double interval = 2.0;
  if (watch && !inv.args.Value("--watch").empty()) {
    Result<double> seconds = ParseSeconds("--watch", inv.args.Value("--watch"));
    if (!seconds.ok()) return UsageError(inv.command, seconds.status().message());
    interval = *seconds;
  }

  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  if (watch) CatchInterrupts();
  // Clearing the screen is for people; piped output gets one frame after another.
  const bool clear = watch && !json && ::isatty(::fileno(stdout)) == 1;
  const auto pause = std::chrono::milliseconds(static_cast<int64_t>(interval * 1000));

  for (;;) {
    Result<Snapshot> snapshot = TakeSnapshot(**gate);
    if (!snapshot.ok()) return Fail(snapshot.status());
    std::string out;
    if (json) {
      out = StatusJson(*snapshot) + "\n";  // with --watch: one object per line
    } else {
      if (clear) out = "\033[H\033[2J";
      out += StatusScreen(*snapshot);
      if (watch) out += "\n(every " + HumanDuration(pause.count() * 1000) + "; Ctrl-C to stop)\n";
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    if (!watch || !SleepUnlessInterrupted(pause)) break;
    if (!clear && !json) std::fputs("\n", stdout);
  }
  return kExitOk;
}

}  // namespace llmgate::cli
