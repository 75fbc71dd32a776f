// llmgate keys list | disable KEY [--reason TEXT] | enable KEY
#include <cstdio>

#include "cli/commands.h"
#include "cli/json_views.h"
#include "cli/snapshot.h"
#include "cli/text_views.h"

namespace llmgate::cli {
namespace {

// "sk-…abcd (key:0123456789abcdef)": how a key is named in messages, never by its value.
std::string KeyName(Gate& gate, const std::string& key) {
  auto health = gate.keys().Health(key);
  return health.ok() ? health->label + " (" + health->fingerprint + ")" : key;
}

}  // namespace

int RunKeysList(const Invocation& inv) {
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  auto keys = (*gate)->keys().List();
  if (!keys.ok()) return Fail(keys.status());
  const int64_t now = WallMicros();
  const std::string out = inv.args.Has("--json") ? KeysJson(*keys, now) + "\n" : KeysTable(*keys, now, true);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int RunKeysDisable(const Invocation& inv) {
  const std::string& key = inv.args.positional[0];
  const std::string reason = inv.args.Value("--reason", "manual");
  if (reason.empty()) return UsageError(inv.command, "--reason may not be empty");
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  if (Status s = (*gate)->keys().Disable(key, reason); !s.ok()) return Fail(s);
  std::printf("disabled %s for every process (%s)\n", KeyName(**gate, key).c_str(), reason.c_str());
  return kExitOk;
}

int RunKeysEnable(const Invocation& inv) {
  const std::string& key = inv.args.positional[0];
  auto gate = OpenExistingGate(inv.globals);
  if (!gate.ok()) return Fail(gate.status());
  if (Status s = (*gate)->keys().Enable(key); !s.ok()) return Fail(s);
  std::printf("enabled %s for every process\n", KeyName(**gate, key).c_str());
  return kExitOk;
}

}  // namespace llmgate::cli
