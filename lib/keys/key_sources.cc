#include "keys/key_sources.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "limit/fingerprint.h"
#include "limit/limit_convert.h"
#include "limit/limit_spec.h"

namespace llmgate::internal {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The line without its comment: "#" at the start or after white space.
std::string_view StripComment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return line.substr(0, i);
  }
  return line;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

Status LineError(int line, const std::string& what) {
  return InvalidArgumentError("key file line " + std::to_string(line) + ": " + what);
}

ApiKeySpec KeyOnly(std::string key) {
  ApiKeySpec spec;
  spec.key = std::move(key);
  return spec;
}

void AddOnce(std::vector<ApiKeySpec>* keys, std::set<std::string>* seen, ApiKeySpec spec) {
  if (spec.key.empty()) return;
  if (seen->insert(spec.key).second) keys->push_back(std::move(spec));
}

}  // namespace

Result<std::vector<ApiKeySpec>> ParseKeyFile(std::string_view text) {
  std::vector<ApiKeySpec> keys;
  int number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    std::vector<std::string_view> fields = Fields(Trim(StripComment(line)));
    if (fields.empty()) continue;
    ApiKeySpec spec;
    spec.key = std::string(fields[0]);
    if (spec.key.find('=') != std::string::npos) return LineError(number, "the line must start with the key");
    for (size_t i = 1; i < fields.size(); ++i) {
      const size_t eq = fields[i].find('=');
      if (eq == std::string_view::npos || eq == 0)
        return LineError(number, "field " + std::to_string(i + 1) + " is not name=value");
      const std::string_view name = fields[i].substr(0, eq);
      const std::string value(fields[i].substr(eq + 1));
      if (name == "label") {
        spec.label = value;
      } else if (name == "org" || name == "organization") {
        spec.organization = value;
      } else if (name == "project") {
        spec.project = value;
      } else if (name == "base_url") {
        spec.base_url = value;
      } else if (name == "limits") {
        Result<std::vector<LimitDef>> defs = ParseLimitSpecs(value);
        if (!defs.ok()) return LineError(number, defs.status().message());
        for (const LimitDef& def : *defs) {
          if (!def.scope.empty()) return LineError(number, "a key's limits apply to the key and name no scope");
          spec.limits.push_back(ToPublicLimit(def));
        }
      } else {
        return LineError(number, "unknown field '" + std::string(name) +
                                     "' (want label, org, project, base_url or limits)");
      }
    }
    keys.push_back(std::move(spec));
  }
  return keys;
}

Result<std::vector<ApiKeySpec>> CollectKeys(const Options& options, const Logger& logger) {
  std::vector<ApiKeySpec> keys;
  std::set<std::string> seen;
  if (!options.api_key.empty()) AddOnce(&keys, &seen, KeyOnly(options.api_key));
  for (const ApiKeySpec& spec : options.keys) {
    if (spec.key.empty()) return InvalidArgumentError("Options::keys holds an empty key");
    AddOnce(&keys, &seen, spec);
  }

  std::string file = options.keys_file;
  if (file.empty()) {
    if (const char* env = std::getenv("LLMGATE_KEYS_FILE")) file = env;
  }
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return FailedPreconditionError("cannot read the key file " + file);
    std::stringstream text;
    text << in.rdbuf();
    Result<std::vector<ApiKeySpec>> parsed = ParseKeyFile(text.str());
    if (!parsed.ok()) return InvalidArgumentError(file + ": " + parsed.status().message());
    struct stat st {};
    if (stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) != 0) {
      logger.Warn("key file ", file, " can be read or written by other users (mode ", std::oct,
                  (st.st_mode & 0777), std::dec, "); chmod 600 it");
    }
    for (ApiKeySpec& spec : *parsed) AddOnce(&keys, &seen, std::move(spec));
  }

  if (options.keys_from_env) {
    if (const char* list = std::getenv("OPENAI_API_KEYS")) {
      std::string_view rest(list);
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        AddOnce(&keys, &seen, KeyOnly(std::string(Trim(rest.substr(0, comma)))));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
    if (const char* one = std::getenv("OPENAI_API_KEY")) AddOnce(&keys, &seen, KeyOnly(std::string(Trim(one))));
  }
  return keys;
}

}  // namespace llmgate::internal
