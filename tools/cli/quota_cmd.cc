// llmgate quota show [--scope S] | reset [--scope S] [--yes]
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/json_views.h"
#include "cli/snapshot.h"
#include "cli/text_views.h"

namespace llmgate::cli {
namespace {

// Asks on stderr (stdout may be a pipe) and reads one line from stdin.
bool Confirm(const std::string& question) {
  std::fprintf(stderr, "%s Type 'yes' to confirm: ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  const bool read = static_cast<bool>(std::getline(std::cin, answer));
  // A terminal echoes the answer and its newline; from a pipe the next message would
  // otherwise continue the question's line.
  if (!read || ::isatty(STDIN_FILENO) != 1) std::fputc('\n', stderr);
  if (!read) return false;
  while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' ')) answer.pop_back();
  return answer == "yes";
}

}  // namespace

int RunQuotaShow(const Invocation& inv) {
  const std::string scope = inv.args.Value("--scope");
  if (inv.args.Has("--scope") && scope.empty()) return UsageError(inv.command, "--scope may not be empty");
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  auto limits = (*gate)->limiter().Usage(scope);
  if (!limits.ok()) return Fail(limits.status());
  const int64_t now = WallMicros();
  const std::string out = inv.args.Has("--json") ? LimitsJson(*limits, now) + "\n" : LimitsTable(*limits, now);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int RunQuotaReset(const Invocation& inv) {
  const std::string scope = inv.args.Value("--scope");
  // An empty --scope would silently mean "every scope" to the library: refuse it.
  if (inv.args.Has("--scope") && scope.empty()) return UsageError(inv.command, "--scope may not be empty");
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());

  const std::string what = scope.empty() ? "every scope" : "scope '" + scope + "'";
  if (!inv.args.Has("--yes") &&
      !Confirm("Reset what was spent in " + what + " of " + (*gate)->state_dir() +
               " for every process? The provider keeps its own count.")) {
    return Fail("aborted: nothing was reset");
  }
  if (Status s = (*gate)->limiter().ResetUsage(scope); !s.ok()) return Fail(s);
  std::printf("reset what was spent in %s\n", what.c_str());
  return kExitOk;
}

}  // namespace llmgate::cli
