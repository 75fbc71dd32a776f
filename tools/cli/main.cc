// llmgate: the command-line tool. This file finds the command in the arguments, parses its
// flags (a bad one is exit status 2 with the usage on stderr), answers --help, and runs it.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "llmgate/version.h"

namespace llmgate::cli {
namespace {

bool IsGroup(const std::string& word) {
  for (const Command& c : Commands()) {
    if (word == c.group) return true;
  }
  return false;
}

const Command* FindCommand(const std::string& group, const std::string& name) {
  for (const Command& c : Commands()) {
    if (group == c.group && name == c.name) return &c;
  }
  return nullptr;
}

std::string GroupCommands(const std::string& group) {
  std::string names;
  for (const Command& c : Commands()) {
    if (group == c.group) names += (names.empty() ? "" : ", ") + std::string(c.name);
  }
  return names;
}

// Positions of the words that are not flags or flag values, before any "--": the command
// words are the first of them. Flags may come before the command ("llmgate --state-dir
// D status"), so the values of every flag that takes one are skipped.
std::vector<size_t> WordPositions(const std::vector<std::string>& words) {
  std::set<std::string> with_value;
  for (const FlagSpec& f : GlobalFlags()) {
    if (f.arity == Arity::kValue) with_value.insert(f.name);
  }
  for (const Command& c : Commands()) {
    for (const FlagSpec& f : c.flags) {
      if (f.arity == Arity::kValue) with_value.insert(f.name);
    }
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--") break;
    if (w.size() > 1 && w[0] == '-') {
      if (with_value.count(w) != 0) ++i;
      continue;
    }
    out.push_back(i);
  }
  return out;
}

bool Asks(const std::vector<std::string>& words, const char* flag) {
  for (const std::string& w : words) {
    if (w == "--") break;
    if (w == flag || (std::string(flag) == "--help" && w == "-h")) return true;
  }
  return false;
}

int Print(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

// `llmgate help [GROUP] [COMMAND]`
int Help(const std::vector<std::string>& names) {
  if (names.empty()) return Print(ToolHelp());
  if (IsGroup(names[0])) {
    if (names.size() == 1) return Print(GroupHelp(names[0]));
    if (const Command* c = FindCommand(names[0], names[1])) return Print(CommandHelp(*c));
  } else if (const Command* c = FindCommand("", names[0])) {
    return Print(CommandHelp(*c));
  }
  std::string all;
  for (const std::string& n : names) all += (all.empty() ? "" : " ") + n;
  return UsageError(nullptr, "no command '" + all + "'");
}

int Main(const std::vector<std::string>& words) {
  const std::vector<size_t> positions = WordPositions(words);
  if (positions.empty()) {
    if (Asks(words, "--help")) return Print(ToolHelp());
    if (Asks(words, "--version")) return Print("llmgate " LLMGATE_VERSION_STRING "\n");
    return UsageError(nullptr, "no command given");
  }

  const std::string& first = words[positions[0]];
  if (first == "help") {
    std::vector<std::string> names;
    for (size_t k = 1; k < positions.size(); ++k) names.push_back(words[positions[k]]);
    return Help(names);
  }

  const Command* command = nullptr;
  std::vector<size_t> command_words = {positions[0]};
  if (IsGroup(first)) {
    if (positions.size() < 2) {
      if (Asks(words, "--help")) return Print(GroupHelp(first));
      return UsageError(nullptr, "'llmgate " + first + "' needs a command: " + GroupCommands(first));
    }
    const std::string& second = words[positions[1]];
    command = FindCommand(first, second);
    if (command == nullptr) {
      return UsageError(nullptr, "no command 'llmgate " + first + " " + second + "' (try " + GroupCommands(first) +
                                     ")");
    }
    command_words.push_back(positions[1]);
  } else {
    command = FindCommand("", first);
    if (command == nullptr) return UsageError(nullptr, "no command '" + first + "'");
  }

  std::vector<std::string> rest;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i != command_words.front() && i != command_words.back()) rest.push_back(words[i]);
  }
  std::vector<FlagSpec> specs = GlobalFlags();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  Result<ParsedArgs> args = ParseArgs(rest, specs);
  if (!args.ok()) return UsageError(command, args.status().message());
  if (args->Has("--help")) return Print(CommandHelp(*command));

  const size_t n = args->positional.size();
  if (n < command->min_args) return UsageError(command, "missing argument");
  if (n > command->max_args) {
    return UsageError(command, "unexpected argument '" + args->positional[command->max_args] + "'");
  }

  Invocation inv;
  inv.command = command;
  inv.args = std::move(args).value();
  inv.globals = GlobalsFrom(inv.args);
  return command->run(inv);
}

}  // namespace
}  // namespace llmgate::cli

int main(int argc, char** argv) {
  return llmgate::cli::Main(std::vector<std::string>(argv + 1, argv + argc));
}
