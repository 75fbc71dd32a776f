#include "cli/commands.h"

#include <cstdio>

namespace llmgate::cli {
namespace {

const FlagSpec kJson{"--json", Arity::kSwitch, "", "print JSON instead of the table"};

std::vector<Command> BuildCommands() {
  return {
      {"", "status", "[--json] [--watch [SECONDS]]",
       "every scope's limits, each key's health, cache and client counters",
       "One screen of what every process sharing the state directory sees: each limit of each\n"
       "scope (used / limit, remaining, time until the bucket is full again), each key's health\n"
       "(state, requests in flight, success rate, 429s, latency, last error), the cache's counters\n"
       "and the client's retries, 429s and waits. Keys are shown by label, never by value.",
       {kJson, {"--watch", Arity::kOptionalNumber, "SECONDS", "refresh every SECONDS (default 2) until Ctrl-C"}},
       0, 0, RunStatus},
      {"keys", "list", "[--json]", "every key recorded in the state directory, with its health",
       "Lists every key any process recorded, by label and fingerprint (either names a key in\n"
       "'keys disable' and 'keys enable'), with state, counters, latency and last error.",
       {kJson}, 0, 0, RunKeysList},
      {"keys", "disable", "KEY [--reason TEXT]", "disable a key for every process until enabled",
       "KEY is a fingerprint (key:...) or a label. Every process stops using the key until\n"
       "'llmgate keys enable'; the state is kept across restarts.",
       {{"--reason", Arity::kValue, "TEXT", "why (shown in status; default \"manual\")"}}, 1, 1, RunKeysDisable},
      {"keys", "enable", "KEY", "enable a key again (clears a cool-down too)",
       "KEY is a fingerprint (key:...) or a label. Also clears a cool-down and the count of\n"
       "failures in a row.",
       {}, 1, 1, RunKeysEnable},
      {"cache", "stats", "[--json]", "the response cache's counters",
       "Entries, bytes, hits, misses, hit rate, tokens saved, evictions, expirations, errors and\n"
       "rebuilds, counted by every process (another process's counts appear once it flushes).",
       {kJson}, 0, 0, RunCacheStats},
      {"cache", "purge", "[--namespace NS]", "remove every cached response (or one namespace's)",
       "Removes every entry of the response cache, or with --namespace those of one namespace\n"
       "(by default a namespace is the API base URL).",
       {{"--namespace", Arity::kValue, "NS", "only entries of this namespace"}}, 0, 0, RunCachePurge},
      {"cache", "vacuum", "", "rebuild cache.db to return free space to the filesystem",
       "Rebuilds cache.db (SQLite VACUUM) and checkpoints its WAL, so that the space of removed\n"
       "entries goes back to the filesystem; prints the size before and after. Other processes\n"
       "may keep running; their writes wait while it runs.",
       {}, 0, 0, RunCacheVacuum},
      {"quota", "show", "[--scope S] [--json]", "every limit with what is used and left",
       "Each limit of each scope (or of one scope) with its source (configured or learned), used\n"
       "and remaining units and when the bucket is full again (rolling) or the window ends\n"
       "(calendar).",
       {kJson, {"--scope", Arity::kValue, "S", "only this scope (global, key:..., org:..., ...)"}}, 0, 0,
       RunQuotaShow},
      {"quota", "reset", "[--scope S] [--yes]", "forget what was spent (asks first)",
       "Forgets what was spent in one scope or in every scope, for every process: rolling buckets\n"
       "are full again, calendar windows empty, blocks lifted; the limits stay. The provider keeps\n"
       "its own count, so this can lead to 429s. Asks for 'yes' on stdin unless --yes is given.",
       {{"--scope", Arity::kValue, "S", "only this scope (default: every scope)"},
        {"--yes", Arity::kSwitch, "", "do not ask for confirmation"}},
       0, 0, RunQuotaReset},
      {"", "chat", "PROMPT [--model M] [--max-tokens N] [--system TEXT] [--no-stream] [--no-cache]",
       "one chat completion through the gate, streamed to stdout",
       "Sends PROMPT (\"-\" reads it from stdin) as one chat completion through the gate: the cache,\n"
       "the key pool, the shared limits and retries apply as for any application. The answer is\n"
       "streamed to stdout as it arrives; waits for quota and retries show as a status line on\n"
       "stderr. With --verbose, usage, the key and whether it was a cache hit follow on stderr.\n"
       "Keys come from --keys-file, $LLMGATE_KEYS_FILE, $OPENAI_API_KEYS and $OPENAI_API_KEY.",
       {{"--model", Arity::kValue, "M", "model (default gpt-4o-mini)"},
        {"--max-tokens", Arity::kValue, "N", "completion budget (max_tokens)"},
        {"--system", Arity::kValue, "TEXT", "a system message before the prompt"},
        {"--no-stream", Arity::kSwitch, "", "wait for the whole answer, then print it"},
        {"--no-cache", Arity::kSwitch, "", "do not answer from the cache (the answer is still stored)"}},
       1, 1, RunChat},
      {"", "metrics", "", "Prometheus text exposition of every counter and limit",
       "Prints the Prometheus text format (0.0.4): cache hits, misses, tokens saved, entries and\n"
       "bytes; per key requests, successes, errors by class, 429s, tokens, latency quantiles, in\n"
       "flight and state; client retries, 429s, failures, waits and single-flight waits; per\n"
       "limit used, limit, remaining and seconds to reset. For a node_exporter textfile\n"
       "collector or a scrape wrapper.",
       {}, 0, 0, RunMetrics},
  };
}

std::string FlagLine(const FlagSpec& f) {
  std::string left = f.name;
  if (f.arity == Arity::kValue) left += std::string(" ") + f.value_name;
  if (f.arity == Arity::kOptionalNumber) left += std::string(" [") + f.value_name + "]";
  if (left.size() < 22) left.resize(22, ' ');
  return "  " + left + " " + f.help + "\n";
}

std::string UsageLine(const Command& c) {
  std::string line = "usage: " + FullName(c);
  if (*c.synopsis != '\0') line += std::string(" ") + c.synopsis;
  return line + " [global flags]\n";
}

std::string GlobalFlagsHelp() {
  std::string out = "global flags:\n";
  for (const FlagSpec& f : GlobalFlags()) out += FlagLine(f);
  return out;
}

}  // namespace

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = BuildCommands();
  return commands;
}

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec> flags = {
      {"--state-dir", Arity::kValue, "DIR",
       "state directory (default $LLMGATE_DIR, $XDG_STATE_HOME/llmgate, ~/.local/state/llmgate)"},
      {"--base-url", Arity::kValue, "URL", "API base URL (default $OPENAI_BASE_URL, https://api.openai.com/v1)"},
      {"--keys-file", Arity::kValue, "FILE", "key file (default $LLMGATE_KEYS_FILE for chat)"},
      {"--verbose", Arity::kSwitch, "", "library info messages on stderr; chat: usage and key"},
      {"--help", Arity::kSwitch, "", "this help (also -h)"},
  };
  return flags;
}

std::string FullName(const Command& c) {
  std::string name = "llmgate ";
  if (*c.group != '\0') name += std::string(c.group) + " ";
  return name + c.name;
}

std::string CommandHelp(const Command& c) {
  std::string summary = c.summary;
  if (!summary.empty() && summary[0] >= 'a' && summary[0] <= 'z') {
    summary[0] = static_cast<char>(summary[0] - 'a' + 'A');
  }
  std::string out = UsageLine(c) + "\n" + summary + ".\n\n" + c.details + "\n";
  if (!c.flags.empty()) {
    out += "\nflags:\n";
    for (const FlagSpec& f : c.flags) out += FlagLine(f);
  }
  return out + "\n" + GlobalFlagsHelp();
}

std::string GroupHelp(const std::string& group) {
  std::string out = "usage: llmgate " + group + " COMMAND [flags]\n\ncommands:\n";
  for (const Command& c : Commands()) {
    if (group != c.group) continue;
    std::string left = c.name;
    if (left.size() < 10) left.resize(10, ' ');
    out += "  " + left + " " + c.summary + "\n";
  }
  return out + "\n'llmgate " + group + " COMMAND --help' describes one.\n";
}

std::string ToolHelp() {
  std::string out =
      "usage: llmgate COMMAND [flags]\n\n"
      "Inspects and maintains the state that every process using llmgate shares (limits, keys,\n"
      "response cache), and makes calls through it.\n\ncommands:\n";
  for (const Command& c : Commands()) {
    std::string left = FullName(c).substr(8);
    if (left.size() < 15) left.resize(15, ' ');
    out += "  " + left + " " + c.summary + "\n";
  }
  out += "\n" + GlobalFlagsHelp();
  out +=
      "\nexit status: 0 success, 1 failure (no state directory, a library error, a confirmation\n"
      "refused), 2 bad flags or arguments, 130 interrupted during a call.\n"
      "'llmgate COMMAND --help' describes a command; 'llmgate --version' prints the version.\n";
  return out;
}

int UsageError(const Command* c, const std::string& message) {
  std::fprintf(stderr, "llmgate: %s\n", message.c_str());
  if (c != nullptr) {
    std::fprintf(stderr, "%s(see '%s --help')\n", UsageLine(*c).c_str(), FullName(*c).c_str());
  } else {
    std::fprintf(stderr, "usage: llmgate COMMAND [flags] (see 'llmgate --help')\n");
  }
  return kExitUsage;
}

}  // namespace llmgate::cli
