// The commands of the llmgate tool: their names, flags and help, and the functions that
// run them (one file per group: status_cmd.cc, keys_cmd.cc, cache_cmd.cc, quota_cmd.cc,
// chat_cmd.cc, metrics_cmd.cc).
#ifndef LLMGATE_TOOLS_CLI_COMMANDS_H_
#define LLMGATE_TOOLS_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/gate_context.h"

namespace llmgate::cli {

struct Command;

// What a command runs with: its flags and arguments (the command words removed).
struct Invocation {
  const Command* command = nullptr;
  ParsedArgs args;
  GlobalOptions globals;
};

using Handler = int (*)(const Invocation& inv);

struct Command {
  const char* group;     // "keys", or "" for a command of its own ("status")
  const char* name;      // "list"
  const char* synopsis;  // "[--json]"; the usage line is "llmgate GROUP NAME SYNOPSIS"
  const char* summary;   // one line, for the command list
  const char* details;   // paragraphs for --help
  std::vector<FlagSpec> flags;  // besides the global flags
  size_t min_args;
  size_t max_args;
  Handler run;
};

// Every command, in the order the help lists them.
const std::vector<Command>& Commands();

// The flags every command takes (--state-dir, --base-url, --keys-file, --verbose, --help).
const std::vector<FlagSpec>& GlobalFlags();

// "llmgate keys list"
std::string FullName(const Command& c);

// The --help text of a command, of a group ("keys"), and of the tool.
std::string CommandHelp(const Command& c);
std::string GroupHelp(const std::string& group);
std::string ToolHelp();

// Prints "llmgate: MESSAGE" and the command's usage line on stderr; returns kExitUsage.
int UsageError(const Command* c, const std::string& message);

// Handlers.
int RunStatus(const Invocation& inv);
int RunKeysList(const Invocation& inv);
int RunKeysDisable(const Invocation& inv);
int RunKeysEnable(const Invocation& inv);
int RunCacheStats(const Invocation& inv);
int RunCachePurge(const Invocation& inv);
int RunCacheVacuum(const Invocation& inv);
int RunQuotaShow(const Invocation& inv);
int RunQuotaReset(const Invocation& inv);
int RunChat(const Invocation& inv);
int RunMetrics(const Invocation& inv);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_COMMANDS_H_
