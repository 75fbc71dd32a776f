// Opening the gate for a command: the state directory, the options every command shares,
// diagnostics on stderr and the one rule that keeps read-only commands honest (they never
// create a state directory that is not there).
#ifndef LLMGATE_TOOLS_CLI_GATE_CONTEXT_H_
#define LLMGATE_TOOLS_CLI_GATE_CONTEXT_H_

#include <memory>
#include <string>

#include "cli/args.h"
#include "llmgate/gate.h"

namespace llmgate::cli {

// Exit statuses of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // an error, or a confirmation refused
inline constexpr int kExitUsage = 2;        // bad flags or arguments
inline constexpr int kExitInterrupted = 130;  // Ctrl-C during a call (128 + SIGINT)

// The flags every command accepts.
struct GlobalOptions {
  std::string state_dir;  // --state-dir
  std::string base_url;   // --base-url
  std::string keys_file;  // --keys-file
  bool verbose = false;   // --verbose: library info messages too, and call details
};

GlobalOptions GlobalsFrom(const ParsedArgs& args);

enum class GateUse {
  // Inspecting or maintaining existing state (status, keys, cache, quota, metrics): the
  // state directory must exist, and the gate adds no keys or limits of its own (no
  // $OPENAI_API_KEY(S), $LLMGATE_LIMITS or the files named by the environment), so that
  // looking never changes what is looked at. --keys-file still loads, because it was asked for.
  kExisting,
  // Making calls (chat): like any application, creating the state directory if needed.
  kCall,
};

// The directory a gate would use (--state-dir, $LLMGATE_DIR, $XDG_STATE_HOME/llmgate,
// ~/.local/state/llmgate).
Result<std::string> StateDirFor(const GlobalOptions& globals);

// kFailedPrecondition "no llmgate state in DIR (quota.db not found); ..." when the state
// directory holds no quota.db.
Status RequireExistingState(const std::string& dir);

// The options a command opens its gate with; callers may add callbacks before Open.
Result<Options> GateOptions(const GlobalOptions& globals, GateUse use);

Result<std::unique_ptr<Gate>> OpenGate(const Options& options);

// GateOptions(globals, kExisting) then OpenGate: what the inspecting commands start with.
Result<std::unique_ptr<Gate>> OpenExistingGate(const GlobalOptions& globals);

// Prints "llmgate: MESSAGE" on stderr and returns kExitFailure.
int Fail(const std::string& message);
// The same for a failed library call: "llmgate: CODE: message".
int Fail(const Status& status);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_GATE_CONTEXT_H_
