#include "cli/args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace llmgate::cli {
namespace {

const FlagSpec* Find(const std::vector<FlagSpec>& specs, const std::string& name) {
  for (const FlagSpec& spec : specs) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

}  // namespace

std::string ParsedArgs::Value(const std::string& name, const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

bool IsNumber(const std::string& text) {
  if (text.empty()) return false;
  bool digit = false, dot = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& words, const std::vector<FlagSpec>& specs) {
  ParsedArgs out;
  bool flags_done = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    // A lone "-" is a value (chat reads the prompt from stdin), not a flag.
    if (flags_done || word.size() < 2 || word[0] != '-') {
      out.positional.push_back(word);
      continue;
    }
    if (word == "--") {
      flags_done = true;
      continue;
    }
    std::string name = word == "-h" ? "--help" : word;
    std::string value;
    bool inline_value = false;
    if (const size_t eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const FlagSpec* spec = Find(specs, name);
    if (spec == nullptr) return InvalidArgumentError("unknown flag " + name);
    switch (spec->arity) {
      case Arity::kSwitch:
        if (inline_value) return InvalidArgumentError("flag " + name + " takes no value");
        break;
      case Arity::kValue:
        if (!inline_value) {
          if (i + 1 >= words.size()) {
            return InvalidArgumentError("flag " + name + " needs a value (" + spec->value_name + ")");
          }
          value = words[++i];
        }
        break;
      case Arity::kOptionalNumber:
        if (!inline_value && i + 1 < words.size() && IsNumber(words[i + 1])) value = words[++i];
        break;
    }
    out.flags[name] = value;
  }
  return out;
}

Result<int64_t> ParseInteger(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0' || errno == ERANGE || v < min || v > max) {
    return InvalidArgumentError(flag + " wants a whole number from " + std::to_string(min) + " to " +
                                std::to_string(max) + ", not '" + text + "'");
  }
  return static_cast<int64_t>(v);
}

Result<double> ParseSeconds(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double v = IsNumber(text) ? std::strtod(text.c_str(), &end) : 0;
  if (end == nullptr || *end != '\0' || !std::isfinite(v) || v <= 0) {
    return InvalidArgumentError(flag + " wants a number of seconds > 0, not '" + text + "'");
  }
  return v;
}

}  // namespace llmgate::cli
