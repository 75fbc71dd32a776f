// Command-line flags: a small parser that knows, per command, which flags exist and
// whether they take a value, so that a typo is a usage error (exit 2) instead of being
// silently ignored.
#ifndef LLMGATE_TOOLS_CLI_ARGS_H_
#define LLMGATE_TOOLS_CLI_ARGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "llmgate/status.h"

namespace llmgate::cli {

enum class Arity {
  kSwitch,          // --json
  kValue,           // --state-dir DIR or --state-dir=DIR
  kOptionalNumber,  // --watch [SECONDS]: takes the next word only when it is a number
};

struct FlagSpec {
  const char* name;        // "--state-dir"
  Arity arity;
  const char* value_name;  // "DIR" (for help)
  const char* help;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // name -> value ("" for a switch)

  bool Has(const std::string& name) const { return flags.count(name) != 0; }
  std::string Value(const std::string& name, const std::string& fallback = "") const;
};

// Parses `words` against `specs`. "-h" is "--help"; "--" ends the flags. A flag given twice
// keeps the last value. kInvalidArgument names the offending word.
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& words, const std::vector<FlagSpec>& specs);

// True when `text` is a non-negative decimal number ("2", "0.5").
bool IsNumber(const std::string& text);

// The value of `flag` as an integer in [min, max]; kInvalidArgument otherwise.
Result<int64_t> ParseInteger(const std::string& flag, const std::string& text, int64_t min, int64_t max);

// The value of `flag` as a number of seconds > 0.
Result<double> ParseSeconds(const std::string& flag, const std::string& text);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_ARGS_H_
