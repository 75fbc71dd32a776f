// llmgate cache stats | purge [--namespace NS] | vacuum
#include <cstdio>
#include <optional>

#include "cli/cache_vacuum.h"
#include "cli/commands.h"
#include "cli/json_views.h"
#include "cli/text_format.h"
#include "cli/text_views.h"

namespace llmgate::cli {

int RunCacheStats(const Invocation& inv) {
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  auto stats = (*gate)->cache().Stats();
  if (!stats.ok()) return Fail(stats.status());
  const std::string out = inv.args.Has("--json") ? CacheJson(*stats) + "\n" : CacheTable(*stats);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int RunCachePurge(const Invocation& inv) {
  const bool one = inv.args.Has("--namespace");
  const std::string ns = inv.args.Value("--namespace");
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  auto removed = (*gate)->cache().Purge(one ? std::optional<std::string_view>(ns) : std::nullopt);
  if (!removed.ok()) return Fail(removed.status());
  const std::string which = one ? " of namespace " + ns : "";
  std::printf("removed %lld cached responses%s\n", static_cast<long long>(*removed), which.c_str());
  return kExitOk;
}

int RunCacheVacuum(const Invocation& inv) {
  Result<Options> options = GateOptions(inv.globals, GateUse::kExisting);
  if (!options.ok()) return Fail(options.status());
  std::string dir;
  {
    // Opening the gate first checks what the library checks (a local filesystem, a
    // cache.db of this program and schema); it is closed again so that its own
    // connections hold nothing back while the file is rebuilt.
    auto gate = OpenGate(*options);
    if (!gate.ok()) return Fail(gate.status());
    dir = (*gate)->state_dir();
  }
  Result<VacuumResult> r = VacuumCache(*options, dir);
  if (!r.ok()) return Fail(r.status());
  std::printf("vacuumed %s/cache.db: %s -> %s (%lld -> %lld bytes)\n", dir.c_str(),
              HumanBytes(r->bytes_before).c_str(), HumanBytes(r->bytes_after).c_str(),
              static_cast<long long>(r->bytes_before), static_cast<long long>(r->bytes_after));
  if (r->abandoned_flights > 0) {
    std::printf("removed %lld files of calls whose process died while others waited for them (flights/)\n",
                static_cast<long long>(r->abandoned_flights));
  }
  if (!r->checkpointed) {
    std::fprintf(stderr, "llmgate: another process holds the WAL; the file shrinks at its next checkpoint\n");
  }
  return kExitOk;
}

}  // namespace llmgate::cli
