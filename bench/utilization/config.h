// Settings of llmgate_utilization_bench and its command line.
#ifndef LLMGATE_BENCH_UTILIZATION_CONFIG_H_
#define LLMGATE_BENCH_UTILIZATION_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

namespace llmgate::bench {

// The three ways of pushing the same load through the same server limits.
enum class Side {
  kLlmgate,                // shared limiter, limits learned from the server's headers
  kNaive,                  // each process on its own, retrying like openai-python
  kLlmgateOverconfigured,  // shared limiter configured 20 % above the server's limits
};

// "llmgate", "naive", "llmgate_overconfigured": the JSON field and the CSV file name.
const char* SideName(Side side);

struct UtilizationConfig {
  int window_s = 60;         // measured steady state, whole seconds of the server's stats
  double warmup_s = 15;      // before it: the full buckets' burst drains, limits are learned
  int processes = 8;
  int threads = 4;           // closed-loop callers per process
  std::vector<Side> sides = {Side::kLlmgate, Side::kNaive, Side::kLlmgateOverconfigured};
  std::string csv_dir = ".";
  int64_t rpm = 600;         // the server's limits
  int64_t tpm = 40000;
  double overconfigure = 1.2;  // llmgate_overconfigured's limits, as a multiple of the server's
  // The scope they are configured for: the one llmgate learns and syncs with the server's
  // x-ratelimit-* headers (group x model; the mock names the organization "org-mock").
  // Configured there, they win over the learned limits, so only the header sync corrects them.
  std::string overconfigured_scope = "org:org-mock/model:gpt-4o-mini";
  // Added before admission at the server: network and queueing jitter, which reorders
  // requests on their way and so tests the limiter's margin.
  int latency_ms = 10;
  int latency_jitter_ms = 10;
  uint64_t seed = 1;
  // False: every side starts against full buckets (the server is reset before it). True:
  // only the first does; each later side starts against what the one before left, after
  // the naive side an organization bucket run dry, as when llmgate starts beside clients
  // that already use up the quota.
  bool fresh_start = true;
};

// Parses argv. Returns false with a message in *error (or with an empty one for --help,
// after which the caller prints Usage()).
bool ParseUtilizationFlags(int argc, char** argv, UtilizationConfig* config, std::string* error);

std::string UtilizationUsage(const char* argv0);

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_CONFIG_H_
