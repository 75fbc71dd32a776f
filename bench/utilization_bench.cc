// llmgate_utilization_bench: how much of the server's quota llmgate uses, and at what cost
// in 429s and failures, next to the same load sent naively.
//
// Several processes push one workload of chat completions against the mock server (RPM 600,
// TPM 40,000 by default), one side at a time:
//   llmgate                 every process opens a Gate on one shared state directory; the
//                           limits are learned from the server's x-ratelimit-* headers
//   naive                   every process on its own, retrying like openai-python
//   llmgate_overconfigured  llmgate with its limits configured 20 % above the server's
// Each phase starts from a reset server (full buckets, zero stats; with --start=drained
// only the first), runs a warm-up (the full buckets' burst drains and llmgate learns the
// limits), then a measured window of whole seconds. Admissions are counted by the server
// (GET /_mock/stats), so the ratio is what the server let through against what its limits
// refill in the window.
//
// Prints one JSON object on stdout:
//   {"llmgate":{"rpm_ratio":…, "tpm_ratio":…, "http_429":…, "failed":…, "requests":…, …},
//    "naive":{…}, "llmgate_overconfigured":{…}, "setup":{…}}
// and writes utilization_<side>.csv (per second of the phase) to --csv-dir.
// Goal: llmgate's larger ratio >= 0.95 with neither above 1.0, no 429 and no failure;
// llmgate_overconfigured's 429s under 1 % of its requests.
#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "mock_openai/launcher.h"
#include "utilization/config.h"
#include "utilization/llmgate_client.h"
#include "utilization/load_runner.h"
#include "utilization/mock_control.h"
#include "utilization/naive_client.h"
#include "utilization/report.h"
#include "workload.h"

namespace llmgate::bench {
namespace {

constexpr const char* kApiKey = "sk-bench-utilization-0001";

std::string MockConfig(const UtilizationConfig& c) {
  // One organization (every process uses the same key) with only RPM and TPM limited.
  return "{\"default_limits\":{\"rpm\":" + std::to_string(c.rpm) + ",\"tpm\":" + std::to_string(c.tpm) +
         ",\"ipm\":0,\"rpd\":0,\"tpd\":0},\"faults\":{\"latency_ms\":" + std::to_string(c.latency_ms) +
         ",\"latency_jitter_ms\":" + std::to_string(c.latency_jitter_ms) + "}}";
}

Limit ScopedLimit(const std::string& scope, const char* dimension, int64_t per_minute) {
  Limit limit;
  limit.scope = scope;
  limit.dimension = dimension;
  limit.limit = per_minute;
  return limit;
}

ClientFactory FactoryFor(Side side, const UtilizationConfig& config, const std::string& base_url,
                         const std::string& state_dir) {
  if (side == Side::kNaive) {
    return [=](int process, std::string*) -> std::unique_ptr<LoadClient> {
      return std::make_unique<NaiveClient>(base_url, kApiKey, config.threads,
                                           config.seed * 7919 + static_cast<uint64_t>(process));
    };
  }
  GateSetup setup;
  setup.state_dir = state_dir;
  setup.base_url = base_url;
  setup.api_key = kApiKey;
  if (side == Side::kLlmgateOverconfigured) {
    // Configured limits win over learned ones of the same scope: llmgate believes these, and
    // only its sync with the server's x-ratelimit-remaining-* (and its reaction to 429s)
    // can keep it from over-admitting.
    const std::string& scope = config.overconfigured_scope;
    setup.limits = {ScopedLimit(scope, "requests", std::llround(config.rpm * config.overconfigure)),
                    ScopedLimit(scope, "tokens", std::llround(config.tpm * config.overconfigure))};
  }
  return [setup](int, std::string* error) -> std::unique_ptr<LoadClient> { return LlmgateClient::Open(setup, error); };
}

// One phase: returns false with *error when it could not be run or measured. `reset`:
// start it against full buckets and zero stats.
bool RunPhase(Side side, const UtilizationConfig& config, const mock::MockOpenAiProcess& mock, bool reset,
              SideResult* result, std::string* error) {
  MockControl control(mock.origin());
  const bool uses_gate = side != Side::kNaive;
  const std::string state_dir = uses_gate ? MakeTempDir("llmgate-utilization") : "";
  if (reset && !control.Reset(error)) return false;

  LoadPlan plan;
  plan.processes = config.processes;
  plan.threads = config.threads;
  plan.seed = config.seed;
  // The processes open their gates during the first second, then start together.
  plan.start_us = UnixMicros() + 1'000'000;
  PhaseTiming timing;
  timing.start_s = plan.start_us / 1'000'000;
  timing.window_start_s =
      static_cast<int64_t>(std::ceil((static_cast<double>(plan.start_us) + config.warmup_s * 1e6) / 1e6));
  timing.window_s = config.window_s;
  // Half a second past the window, so that its last second is complete at the server.
  plan.stop_us = (timing.window_start_s + config.window_s) * 1'000'000 + 500'000;
  timing.end_s = plan.stop_us / 1'000'000;

  std::fprintf(stderr, "%s: %d processes x %d threads, %.0f s warm-up + %d s measured...\n", SideName(side),
               plan.processes, plan.threads, config.warmup_s, config.window_s);
  std::vector<ProcessTally> tallies;
  const bool load_ok = RunLoad(plan, FactoryFor(side, config, mock.base_url(), state_dir), &tallies, error);
  if (uses_gate) RemoveTree(state_dir);
  if (!load_ok) return false;

  std::vector<SecondStats> series;
  // From the second before the start, unless the server kept the previous side's stats:
  // that second then holds the end of the previous side.
  if (!control.Series(timing.start_s - (reset ? 1 : 0), &series, error)) return false;
  *result = Summarize(side, timing, config.rpm, config.tpm, series, tallies);
  std::fprintf(stderr, "%s: rpm_ratio %.3f, tpm_ratio %.3f, %lld 429s, %lld failed in the window\n", SideName(side),
               result->rpm_ratio, result->tpm_ratio, static_cast<long long>(result->http_429),
               static_cast<long long>(result->failed));
  return true;
}

}  // namespace
}  // namespace llmgate::bench

int main(int argc, char** argv) {
  using namespace llmgate::bench;
  UtilizationConfig config;
  std::string error;
  if (!ParseUtilizationFlags(argc, argv, &config, &error)) {
    if (error.empty()) {
      std::fputs(UtilizationUsage(argv[0]).c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "%s\n%s", error.c_str(), UtilizationUsage(argv[0]).c_str());
    return 2;
  }
  // Once, before any thread or fork: the children inherit it.
  curl_global_init(CURL_GLOBAL_DEFAULT);

  llmgate::mock::LaunchOptions launch;
  launch.config_json = MockConfig(config);
  // Each kept-alive connection holds a server thread: room for every caller, with spares
  // for reconnects and the control requests.
  launch.extra_args = {"--threads", std::to_string(std::max(64, config.processes * config.threads * 2 + 16))};
  auto mock = llmgate::mock::MockOpenAiProcess::Start(launch, &error);
  if (!mock) {
    std::fprintf(stderr, "cannot start the mock server: %s\n", error.c_str());
    return 1;
  }

  std::string json = "{";
  bool all_ok = true;
  for (Side side : config.sides) {
    SideResult result;
    std::string phase_error;
    json += std::string(json.size() > 1 ? ", " : "") + "\"" + SideName(side) + "\":";
    const bool reset = config.fresh_start || side == config.sides.front();
    if (!RunPhase(side, config, *mock, reset, &result, &phase_error)) {
      std::fprintf(stderr, "%s: %s\n", SideName(side), phase_error.c_str());
      json += "{\"error\":\"see stderr\"}";
      all_ok = false;
      continue;
    }
    json += SideJson(result);
    const std::string csv = config.csv_dir + "/utilization_" + SideName(side) + ".csv";
    if (!WriteCsv(csv, result, &phase_error)) {
      std::fprintf(stderr, "%s\n", phase_error.c_str());
      all_ok = false;
    }
  }
  char setup[512];
  std::snprintf(setup, sizeof setup,
                ", \"setup\":{\"rpm_limit\":%lld, \"tpm_limit\":%lld, \"window_s\":%d, \"warmup_s\":%g, "
                "\"processes\":%d, \"threads\":%d, \"overconfigure\":%g, \"latency_ms\":%d, \"jitter_ms\":%d, ",
                static_cast<long long>(config.rpm), static_cast<long long>(config.tpm), config.window_s,
                config.warmup_s, config.processes, config.threads, config.overconfigure, config.latency_ms,
                config.latency_jitter_ms);
  json += setup;
  json += "\"overconfigured_scope\":" + JsonString(config.overconfigured_scope) +
          ", \"start\":" + (config.fresh_start ? "\"fresh\"" : "\"drained\"") + "}}";
  std::printf("%s\n", json.c_str());
  mock->Stop();
  curl_global_cleanup();
  return all_ok ? 0 : 1;
}
