// Turns the server's per-second stats and the clients' tallies into each side's figures:
// the JSON fields the issue names and the per-second CSV the demo plots.
#ifndef LLMGATE_BENCH_UTILIZATION_REPORT_H_
#define LLMGATE_BENCH_UTILIZATION_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "utilization/config.h"
#include "utilization/load_client.h"
#include "utilization/mock_control.h"

namespace llmgate::bench {

struct PhaseTiming {
  int64_t start_s = 0;         // unix second the load started in (CSV t = 0)
  int64_t window_start_s = 0;  // first whole second measured
  int window_s = 60;
  int64_t end_s = 0;           // last second with load (CSV rows up to it)
};

struct SideResult {
  Side side = Side::kLlmgate;
  PhaseTiming timing;
  int64_t rpm_limit = 0, tpm_limit = 0;  // the server's
  // In the window, as the server counted them (failed: as the clients did).
  int64_t requests = 0, admitted_requests = 0, admitted_tokens = 0, http_429 = 0, failed = 0;
  double rpm_ratio = 0, tpm_ratio = 0;
  // The whole phase, warm-up included.
  int64_t phase_requests = 0, phase_http_429 = 0, phase_failed = 0;
  // The clients' own account of the whole phase.
  int64_t calls_ok = 0, attempts = 0, client_429 = 0;
  std::string first_error;
  // One row per second of the phase, t from timing.start_s; seconds without requests are zero.
  std::vector<SecondStats> per_second;
  std::vector<int64_t> failed_per_second;
};

SideResult Summarize(Side side, const PhaseTiming& timing, int64_t rpm_limit, int64_t tpm_limit,
                     const std::vector<SecondStats>& series, const std::vector<ProcessTally>& tallies);

// `s` as a JSON string literal, quotes included.
std::string JsonString(const std::string& s);

// {"rpm_ratio":…, "tpm_ratio":…, "http_429":…, "failed":…, "requests":…, …}
std::string SideJson(const SideResult& r);

// t,admitted_requests,admitted_tokens,http_429,requests,failed: one row per second.
bool WriteCsv(const std::string& path, const SideResult& r, std::string* error);

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_REPORT_H_
