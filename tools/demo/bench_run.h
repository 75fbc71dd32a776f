// Runs llmgate_utilization_bench for the chart: the same load through llmgate and through
// naive clients retrying like openai-python, against the mock server, one side after the
// other; each side's per-second counts land in <csv_dir>/utilization_<side>.csv.
#ifndef LLMGATE_TOOLS_DEMO_BENCH_RUN_H_
#define LLMGATE_TOOLS_DEMO_BENCH_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

namespace llmgate::demo {

struct BenchSide {
  std::string name;  // "llmgate", "naive"
  std::string csv;   // its per-second CSV
  double rpm_ratio = 0;
  double tpm_ratio = 0;
  int64_t window_start_s = 0;  // the measured window's start, in seconds from the phase's
  int64_t requests = 0;        // in the window
  int64_t http_429 = 0;        // in the window
  int64_t phase_http_429 = 0;  // over the whole phase, warm-up included
  int64_t failed = 0;
};

struct BenchRun {
  int64_t rpm_limit = 0;
  int64_t tpm_limit = 0;
  int window_s = 0;
  std::vector<BenchSide> sides;  // llmgate, naive
};

// `binary` with --side=llmgate,naive and the given window and warm-up.
bool RunUtilizationBench(const std::string& binary, int seconds, int warmup, const std::string& csv_dir,
                         BenchRun* run, std::string* error);

// Parses the benchmark's JSON output (exposed for tests).
bool ParseBenchJson(const std::string& json, const std::string& csv_dir, BenchRun* run, std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_BENCH_RUN_H_
