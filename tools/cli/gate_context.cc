#include "cli/gate_context.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "store/state_dir.h"

namespace llmgate::cli {
namespace {

void LogToStderr(LogLevel level, std::string_view message) {
  const char* tag = level >= LogLevel::kError ? "error" : level == LogLevel::kWarning ? "warning" : "info";
  std::fprintf(stderr, "llmgate: %s: %.*s\n", tag, static_cast<int>(message.size()), message.data());
}

}  // namespace

GlobalOptions GlobalsFrom(const ParsedArgs& args) {
  GlobalOptions g;
  g.state_dir = args.Value("--state-dir");
  g.base_url = args.Value("--base-url");
  g.keys_file = args.Value("--keys-file");
  g.verbose = args.Has("--verbose");
  return g;
}

Result<std::string> StateDirFor(const GlobalOptions& globals) {
  // The library's own resolution, so the tool always looks where applications write.
  return internal::ResolveStateDir(globals.state_dir);
}

Status RequireExistingState(const std::string& dir) {
  struct stat st {};
  const std::string quota = dir + "/quota.db";
  if (::stat(quota.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return FailedPreconditionError("no llmgate state in " + dir +
                                   " (quota.db not found); set --state-dir or $LLMGATE_DIR");
  }
  return Status::Ok();
}

Result<Options> GateOptions(const GlobalOptions& globals, GateUse use) {
  Result<std::string> dir = StateDirFor(globals);
  if (!dir.ok()) return dir.status();
  if (use == GateUse::kExisting) {
    if (Status s = RequireExistingState(*dir); !s.ok()) return s;
  }
  Options o;
  o.state_dir = *dir;
  o.base_url = globals.base_url;
  o.keys_file = globals.keys_file;
  o.log_sink = LogToStderr;
  o.log_level = globals.verbose ? LogLevel::kInfo : LogLevel::kWarning;
  if (use == GateUse::kExisting) {
    o.keys_from_env = false;
    o.limits_from_env = false;
    // The library reads these when the options name no file; an inspecting command must
    // not store what they hold. (This changes only this process's environment.)
    ::unsetenv("LLMGATE_LIMITS_FILE");
    if (globals.keys_file.empty()) ::unsetenv("LLMGATE_KEYS_FILE");
  }
  return o;
}

Result<std::unique_ptr<Gate>> OpenGate(const Options& options) { return Gate::Open(options); }

Result<std::unique_ptr<Gate>> OpenExistingGate(const GlobalOptions& globals) {
  Result<Options> options = GateOptions(globals, GateUse::kExisting);
  if (!options.ok()) return options.status();
  return OpenGate(*options);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "llmgate: %s\n", message.c_str());
  return kExitFailure;
}

int Fail(const Status& status) { return Fail(status.ToString()); }

}  // namespace llmgate::cli
