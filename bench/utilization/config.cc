#include "utilization/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace llmgate::bench {
namespace {

bool ParseDouble(const std::string& text, double min, double* out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end == text.c_str() || *end != '\0' || !(v >= min)) return false;
  *out = v;
  return true;
}

bool ParseInt(const std::string& text, int64_t min, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < min) return false;
  *out = v;
  return true;
}

bool ParseSides(const std::string& text, std::vector<Side>* sides) {
  sides->clear();
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string name = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    bool known = false;
    for (Side s : {Side::kLlmgate, Side::kNaive, Side::kLlmgateOverconfigured}) {
      if (name == SideName(s)) {
        sides->push_back(s);
        known = true;
      }
    }
    if (!known) return false;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return !sides->empty();
}

}  // namespace

const char* SideName(Side side) {
  switch (side) {
    case Side::kLlmgate:
      return "llmgate";
    case Side::kNaive:
      return "naive";
    case Side::kLlmgateOverconfigured:
      return "llmgate_overconfigured";
  }
  return "?";
}

std::string UtilizationUsage(const char* argv0) {
  return std::string("usage: ") + argv0 +
         " [flags]\n"
         "Pushes one workload from several processes through llmgate, and through plain\n"
         "clients retrying like openai-python, against the mock server; prints one JSON object\n"
         "with each side's quota utilization and writes a per-second CSV per side.\n"
         "  --seconds=S      measured steady-state window (default 60)\n"
         "  --warmup=S       load before the window (default 15)\n"
         "  --processes=N    client processes (default 8)\n"
         "  --threads=N      closed-loop callers per process (default 4)\n"
         "  --side=LIST      llmgate,naive,llmgate_overconfigured (default all three)\n"
         "  --csv-dir=DIR    where utilization_<side>.csv go (default .)\n"
         "  --rpm=N --tpm=N  the server's limits (default 600 and 40000)\n"
         "  --overconfigure=F  llmgate_overconfigured's limits as a multiple of the server's (1.2)\n"
         "  --overconfigured-scope=S  the scope they apply to (default org:org-mock/model:gpt-4o-mini,\n"
         "                   the group x model llmgate learns and syncs; global leaves the learned\n"
         "                   limits in force beside them)\n"
         "  --latency-ms=N --jitter-ms=N  server delay before admission (default 10 and 10)\n"
         "  --seed=N         workload seed (default 1)\n"
         "  --start=fresh|drained  fresh: every side starts against full buckets (default);\n"
         "                   drained: each side after the first starts against the buckets the\n"
         "                   side before left (after naive: run dry)\n"
         "Progress goes to stderr; a full run takes (warmup + seconds + ~3 s) per side.\n";
}

bool ParseUtilizationFlags(int argc, char** argv, UtilizationConfig* config, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      error->clear();
      return false;
    }
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument " + arg;
      return false;
    }
    // Both --name=value and --name value.
    std::string name = arg, value;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      *error = name + " needs a value";
      return false;
    }
    int64_t n = 0;
    bool ok = true;
    if (name == "--seconds") {
      ok = ParseInt(value, 1, &n);
      config->window_s = static_cast<int>(n);
    } else if (name == "--warmup") {
      ok = ParseDouble(value, 0, &config->warmup_s);
    } else if (name == "--processes") {
      ok = ParseInt(value, 1, &n) && n <= 256;
      config->processes = static_cast<int>(n);
    } else if (name == "--threads") {
      ok = ParseInt(value, 1, &n) && n <= 256;
      config->threads = static_cast<int>(n);
    } else if (name == "--side") {
      ok = ParseSides(value, &config->sides);
    } else if (name == "--csv-dir") {
      config->csv_dir = value;
      ok = !value.empty();
    } else if (name == "--rpm") {
      ok = ParseInt(value, 1, &config->rpm);
    } else if (name == "--tpm") {
      ok = ParseInt(value, 1, &config->tpm);
    } else if (name == "--overconfigure") {
      ok = ParseDouble(value, 0.01, &config->overconfigure);
    } else if (name == "--overconfigured-scope") {
      config->overconfigured_scope = value;
      ok = !value.empty();
    } else if (name == "--latency-ms") {
      ok = ParseInt(value, 0, &n);
      config->latency_ms = static_cast<int>(n);
    } else if (name == "--jitter-ms") {
      ok = ParseInt(value, 0, &n);
      config->latency_jitter_ms = static_cast<int>(n);
    } else if (name == "--seed") {
      ok = ParseInt(value, 0, &n);
      config->seed = static_cast<uint64_t>(n);
    } else if (name == "--start") {
      ok = value == "fresh" || value == "drained";
      config->fresh_start = value == "fresh";
    } else {
      *error = "unknown flag " + name;
      return false;
    }
    if (!ok) {
      *error = "bad value for " + name + ": " + value;
      return false;
    }
  }
  return true;
}

}  // namespace llmgate::bench
