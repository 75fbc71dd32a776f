#include "limit/limit_sources.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "limit/limit_convert.h"
#include "limit/limit_spec.h"

namespace llmgate::internal {
namespace {

bool SameKey(const LimitDef& a, const LimitDef& b) {
  return a.scope == b.scope && a.dimension == b.dimension && a.window_micros == b.window_micros && a.kind == b.kind;
}

// Adds `defs` from `origin`, replacing what an earlier (less specific) source defined.
void Merge(std::vector<LimitDef> defs, const std::string& origin, const Logger& logger, std::vector<LimitDef>* out) {
  for (LimitDef& def : defs) {
    bool replaced = false;
    for (LimitDef& seen : *out) {
      if (!SameKey(seen, def)) continue;
      logger.Debug("limit ", FormatLimitSpec(def), " from ", origin, " overrides ", FormatLimitSpec(seen));
      seen = def;
      replaced = true;
    }
    if (!replaced) out->push_back(std::move(def));
  }
}

Result<std::vector<LimitDef>> ParseSource(const std::string& text, const std::string& origin,
                                          const std::string& default_scope) {
  Result<std::vector<LimitDef>> defs = ParseLimitSpecs(text);
  if (!defs.ok()) return InvalidArgumentError(origin + ": " + defs.status().message());
  for (LimitDef& def : *defs) {
    if (def.scope.empty()) def.scope = default_scope;
  }
  return defs;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FailedPreconditionError("cannot read limits file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return FailedPreconditionError("cannot read limits file " + path);
  return text.str();
}

}  // namespace

Result<std::vector<LimitDef>> CollectConfiguredLimits(const Options& options, const Logger& logger) {
  if (options.default_scope.empty()) return InvalidArgumentError("Options::default_scope must not be empty");
  std::vector<LimitDef> out;

  std::string file = options.limits_file;
  if (file.empty()) {
    if (const char* env = std::getenv("LLMGATE_LIMITS_FILE"); env != nullptr) file = env;
  }
  if (!file.empty()) {
    Result<std::string> text = ReadFile(file);
    if (!text.ok()) return text.status();
    Result<std::vector<LimitDef>> defs = ParseSource(*text, "limits file " + file, options.default_scope);
    if (!defs.ok()) return defs.status();
    Merge(std::move(defs).value(), "limits file " + file, logger, &out);
  }

  if (options.limits_from_env) {
    if (const char* env = std::getenv("LLMGATE_LIMITS"); env != nullptr) {
      Result<std::vector<LimitDef>> defs = ParseSource(env, "LLMGATE_LIMITS", options.default_scope);
      if (!defs.ok()) return defs.status();
      Merge(std::move(defs).value(), "LLMGATE_LIMITS", logger, &out);
    }
  }

  std::vector<LimitDef> coded;
  for (size_t i = 0; i < options.limits.size(); ++i) {
    LimitDef def = ToLimitDef(options.limits[i], options.default_scope);
    def.source = LimitSource::kConfigured;
    const std::string where = "Options::limits[" + std::to_string(i) + "]";
    if (Status s = ValidateLimitDef(def); !s.ok()) return InvalidArgumentError(where + ": " + s.message());
    for (const LimitDef& seen : coded) {
      if (SameKey(seen, def)) return InvalidArgumentError(where + ": limit " + FormatLimitSpec(def) + " defined twice");
    }
    coded.push_back(std::move(def));
  }
  Merge(std::move(coded), "Options::limits", logger, &out);
  return out;
}

}  // namespace llmgate::internal
