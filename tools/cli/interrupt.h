// Ctrl-C for commands that run until interrupted (status --watch) or that should end a
// call cleanly (chat: the call is cancelled and its reserved quota refunded).
#ifndef LLMGATE_TOOLS_CLI_INTERRUPT_H_
#define LLMGATE_TOOLS_CLI_INTERRUPT_H_

#include <atomic>
#include <chrono>

namespace llmgate::cli {

// Installs a SIGINT/SIGTERM handler that sets the flag below instead of killing the process.
void CatchInterrupts();

// Becomes true once SIGINT or SIGTERM arrived.
const std::atomic<bool>& Interrupted();

// Sleeps up to `d`, returning early (false) when interrupted.
bool SleepUnlessInterrupted(std::chrono::milliseconds d);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_INTERRUPT_H_
