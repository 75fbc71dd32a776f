#include "demo/demo_flags.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <iterator>

namespace llmgate::demo {
namespace {

bool ParseInt(const std::string& text, int min, int max, int* out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < min || v > max) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

std::string DemoUsage() {
  return "usage: llmgate_demo [flags]\n"
         "Starts the mock OpenAI server with rate limits and four API keys (two good ones in one\n"
         "organization, one throttled, one revoked), runs worker processes that share one llmgate\n"
         "state directory, prints a report, then charts llmgate against a naive client with the\n"
         "utilization benchmark (gnuplot).\n"
         "  --workers N        worker processes (default 4)\n"
         "  --seconds S        how long the workers send requests (default 20)\n"
         "  --output-dir DIR   where the report, CSVs and chart go (default ./demo-output)\n"
         "  --state-dir DIR    llmgate's state directory, new or empty (default: a temporary one)\n"
         "  --keep             keep the state directory to inspect it\n"
         "  --no-chart         skip the benchmark and the chart\n"
         "  --chart-seconds S  the benchmark's measured window per side (default 30)\n"
         "  --chart-warmup S   its warm-up per side (default 15)\n"
         "  --bench PATH       the llmgate_utilization_bench binary (default: the one built here)\n"
         "  --help             this text\n";
}

bool ParseDemoFlags(int argc, char** argv, DemoFlags* flags, std::string* error) {
  error->clear();
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--help" || name == "-h") return false;
    if (name == "--keep") {
      flags->keep = true;
      continue;
    }
    if (name == "--no-chart") {
      flags->chart = false;
      continue;
    }
    // Every other flag takes a value, as --name value or --name=value.
    static const char* const kValued[] = {"--workers",       "--seconds",       "--output-dir", "--state-dir",
                                          "--chart-seconds", "--chart-warmup", "--bench"};
    const std::string bare = name.substr(0, name.find('='));
    if (std::find(std::begin(kValued), std::end(kValued), bare) == std::end(kValued)) {
      *error = (name.rfind("--", 0) == 0 ? "unknown flag " : "unexpected argument ") + bare;
      return false;
    }
    std::string value;
    if (size_t eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      *error = name + " needs a value";
      return false;
    }
    bool ok = true;
    if (name == "--workers") {
      ok = ParseInt(value, 1, 64, &flags->workers);
    } else if (name == "--seconds") {
      ok = ParseInt(value, 1, 3600, &flags->seconds);
    } else if (name == "--output-dir") {
      ok = !value.empty();
      flags->output_dir = value;
    } else if (name == "--state-dir") {
      ok = !value.empty();
      flags->state_dir = value;
    } else if (name == "--chart-seconds") {
      ok = ParseInt(value, 1, 3600, &flags->chart_seconds);
    } else if (name == "--chart-warmup") {
      ok = ParseInt(value, 0, 3600, &flags->chart_warmup);
    } else if (name == "--bench") {
      ok = !value.empty();
      flags->bench_binary = value;
    }
    if (!ok) {
      *error = "bad value for " + name + ": " + value;
      return false;
    }
  }
  return true;
}

}  // namespace llmgate::demo
