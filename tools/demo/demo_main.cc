// llmgate_demo: llmgate in front of a rate-limited API, end to end, on one machine.
//
// It starts the mock OpenAI server with limits and four keys (two good ones in one
// organization, one throttled, one revoked), forks worker processes that share one llmgate
// state directory and send a realistic workload through their Gates (repeated prompts,
// bursts, a few streams), and prints a report from the workers' counts, the shared stats
// and the server's own counts. Then it runs the utilization benchmark for llmgate and for
// naive clients and draws the per-second series against the limit with gnuplot.
//
//   llmgate_demo [--workers N] [--seconds S] [--output-dir DIR] [--no-chart] ... (--help)
#include <curl/curl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "demo/bench_run.h"
#include "demo/chart.h"
#include "demo/demo_flags.h"
#include "demo/mock_setup.h"
#include "demo/mock_stats.h"
#include "demo/other_team.h"
#include "demo/prompts.h"
#include "demo/report.h"
#include "demo/subprocess.h"
#include "demo/workload.h"
#include "llmgate/llmgate.h"

namespace fs = std::filesystem;

namespace llmgate::demo {
namespace {

int64_t UnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A new temporary directory, or the one asked for if it is new or empty: the report counts
// everything in the state directory, so it must start fresh.
bool PrepareStateDir(DemoFlags* flags, bool* temporary, std::string* error) {
  *temporary = flags->state_dir.empty();
  if (*temporary) {
    char tmpl[] = "/tmp/llmgate-demo-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      *error = "cannot create a temporary directory";
      return false;
    }
    flags->state_dir = tmpl;
    return true;
  }
  std::error_code ec;
  if (fs::exists(flags->state_dir, ec)) {
    if (fs::is_empty(flags->state_dir, ec)) return true;
    *error = flags->state_dir + " is not empty; the demo needs a fresh state directory";
    return false;
  }
  // 0700, as llmgate makes a state directory (it holds the key file too).
  const fs::path parent = fs::absolute(flags->state_dir, ec).parent_path();
  fs::create_directories(parent, ec);
  if (mkdir(flags->state_dir.c_str(), 0700) != 0) {
    *error = "cannot create " + flags->state_dir;
    return false;
  }
  return true;
}

// Forks the workers, keeps the other team busy and prints the server's count every 5 s while
// they run, and collects their tallies. False when a worker failed to run.
bool RunWorkers(const DemoFlags& flags, const std::string& keys_file, const mock::MockOpenAiProcess& mock,
                int64_t stop_us, OtherTeam* other_team, WorkerTally* total, std::string* error) {
  std::vector<pid_t> pids;
  for (int w = 0; w < flags.workers; ++w) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
      *error = "fork failed";
      return false;
    }
    if (pid == 0) {
      WorkerPlan plan;
      plan.index = w;
      plan.state_dir = flags.state_dir;
      plan.keys_file = keys_file;
      plan.base_url = mock.base_url();
      plan.stop_unix_us = stop_us;
      WorkerTally tally;
      std::string worker_error;
      if (!RunWorker(plan, &tally, &worker_error)) {
        std::fprintf(stderr, "%s\n", worker_error.c_str());
        _exit(1);
      }
      // _exit: the child must not run the parent's destructors (the mock would be stopped).
      _exit(WriteTally(flags.state_dir + "/demo-worker-" + std::to_string(w), tally) ? 0 : 1);
    }
    pids.push_back(pid);
  }

  int64_t next_progress_us = UnixMicros() + 5'000'000;
  const int64_t start_us = stop_us - int64_t{flags.seconds} * 1'000'000;
  size_t running = pids.size();
  bool ok = true;
  while (running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (UnixMicros() < stop_us) other_team->Tick(UnixMicros());
    for (pid_t& pid : pids) {
      int status = 0;
      if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
        ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
        pid = -1;
        --running;
      }
    }
    if (running > 0 && UnixMicros() >= next_progress_us && UnixMicros() < stop_us) {
      ServerStats s;
      std::string ignored;
      if (FetchServerStats(mock.origin(), &s, &ignored)) {
        int64_t http_429 = 0, http_401 = 0;
        CountsToDemoKeys(s, &http_429, &http_401);
        std::printf("  %2lld s: the server has admitted %lld requests, sent %lld 429s to llmgate's keys\n",
                    static_cast<long long>((UnixMicros() - start_us) / 1'000'000),
                    static_cast<long long>(s.totals.admitted_requests), static_cast<long long>(http_429));
        std::fflush(stdout);
      }
      next_progress_us += 5'000'000;
    }
  }
  if (!ok) {
    *error = "a worker process failed (see above)";
    return false;
  }
  for (int w = 0; w < flags.workers; ++w) {
    const std::string path = flags.state_dir + "/demo-worker-" + std::to_string(w);
    WorkerTally t;
    if (!ReadTally(path, &t)) {
      *error = "cannot read " + path;
      return false;
    }
    total->Merge(t);
    std::remove(path.c_str());
  }
  return true;
}

// Reads the shared counters and the key pool from the state directory, as any process could.
bool ReadSharedState(const std::string& state_dir, ReportInputs* in, std::string* error) {
  Options options;
  options.state_dir = state_dir;
  options.keys_from_env = false;
  options.limits_from_env = false;
  auto gate = Gate::Open(options);
  if (!gate.ok()) {
    *error = gate.status().ToString();
    return false;
  }
  auto cache = (*gate)->cache().Stats();
  auto client = (*gate)->client().SharedStats();
  auto keys = (*gate)->keys().List();
  if (!cache.ok() || !client.ok() || !keys.ok()) {
    *error = !cache.ok() ? cache.status().ToString() : !client.ok() ? client.status().ToString() : keys.status().ToString();
    return false;
  }
  in->cache = *cache;
  in->client = *client;
  in->keys = *keys;
  return true;
}

std::string DefaultBench() {
#ifdef LLMGATE_DEMO_BENCH_BINARY
  return LLMGATE_DEMO_BENCH_BINARY;
#else
  return "";
#endif
}

// The second half: llmgate against naive clients in the utilization benchmark, charted.
// Returns false only when the benchmark or gnuplot failed; a missing gnuplot is skipped.
bool Chart(const DemoFlags& flags, std::string* error) {
  const std::string gnuplot = FindProgram("gnuplot");
  if (gnuplot.empty()) {
    std::printf("\nChart: gnuplot is not installed (Debian: apt-get install gnuplot-nox); skipping it.\n");
    return true;
  }
  const std::string bench = flags.bench_binary.empty() ? DefaultBench() : flags.bench_binary;
  if (bench.empty() || FindProgram(bench).empty()) {
    *error = "the utilization benchmark " + (bench.empty() ? std::string("was not built") : bench + " is missing") +
             "; pass --bench PATH or --no-chart";
    return false;
  }
  std::printf("\nChart: the utilization benchmark runs the same load through llmgate, then through naive\n"
              "clients retrying like openai-python (%d s warm-up + %d s measured each, ~%d s)...\n",
              flags.chart_warmup, flags.chart_seconds, 2 * (flags.chart_warmup + flags.chart_seconds + 3));
  std::fflush(stdout);
  BenchRun run;
  if (!RunUtilizationBench(bench, flags.chart_seconds, flags.chart_warmup, flags.output_dir, &run, error)) return false;
  for (const BenchSide& s : run.sides) {
    std::printf("  %-8s %5.1f %% of RPM, %5.1f %% of TPM, %lld 429s in %lld requests, %lld failed calls\n",
                s.name.c_str(), 100 * s.rpm_ratio, 100 * s.tpm_ratio, static_cast<long long>(s.http_429),
                static_cast<long long>(s.requests), static_cast<long long>(s.failed));
  }
  const std::string png = flags.output_dir + "/demo_utilization.png";
  if (!DrawChart(gnuplot, run, png, error)) return false;
  std::printf("  chart: %s (the CSVs and the gnuplot script are beside it)\n", png.c_str());
  return true;
}

int Main(int argc, char** argv) {
  DemoFlags flags;
  std::string error;
  if (!ParseDemoFlags(argc, argv, &flags, &error)) {
    std::fputs(DemoUsage().c_str(), error.empty() ? stdout : stderr);
    if (!error.empty()) std::fprintf(stderr, "%s\n", error.c_str());
    return error.empty() ? 0 : 2;
  }
  std::error_code ec;
  fs::create_directories(flags.output_dir, ec);
  // Absolute, so that the gnuplot script left beside the chart works from any directory.
  if (!ec) flags.output_dir = fs::absolute(flags.output_dir, ec).lexically_normal().string();
  bool temporary = false;
  if (ec || !PrepareStateDir(&flags, &temporary, &error)) {
    std::fprintf(stderr, "llmgate_demo: %s\n", ec ? ec.message().c_str() : error.c_str());
    return 1;
  }
  auto remove_state = [&] {
    if (temporary && !flags.keep) fs::remove_all(flags.state_dir, ec);
  };
  // Once, before any fork or thread: the workers inherit it.
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string keys_file = flags.state_dir + "/demo-keys";
  std::unique_ptr<mock::MockOpenAiProcess> mock;
  std::unique_ptr<OtherTeam> other_team;
  if (!WriteKeyFile(keys_file, &error) || !(mock = StartMock(&error)) ||
      !(other_team = std::make_unique<OtherTeam>(mock->base_url()))->Drain(&error)) {
    std::fprintf(stderr, "llmgate_demo: %s\n", error.c_str());
    remove_state();
    return 1;
  }

  std::printf("llmgate %s demo\n\n", LLMGATE_VERSION_STRING);
  std::printf("mock OpenAI server at %s\n", mock->base_url().c_str());
  std::printf("  %-9s RPM %lld, TPM %lld  keys main-a, main-b\n", kMainOrg, static_cast<long long>(kMainRpm),
              static_cast<long long>(kMainTpm));
  std::printf("  %-9s RPM %lld              key slow; another team's key keeps this limit used up\n", kSlowOrg,
              static_cast<long long>(kSlowRpm));
  std::printf("  key revoked answers 401 invalid_api_key\n");
  std::printf("%d worker processes, one state directory (%s), for %d s; each runs\n", flags.workers,
              flags.state_dir.c_str(), flags.seconds);
  const WorkerPlan plan;
  std::printf("  %d users (think time ~40 ms), a burst of %d threads x %d requests every 2-5 s, %.0f %% of calls\n"
              "  streamed; prompts drawn from %d by a Zipf law, so popular ones repeat\n\n",
              plan.steady_threads, plan.burst_threads, plan.burst_requests, 100 * plan.stream_share, kDistinctPrompts);
  std::fflush(stdout);

  ReportInputs in;
  in.workers = flags.workers;
  in.seconds = flags.seconds;
  const int64_t start_us = UnixMicros();
  in.run_start_s = start_us / 1'000'000;
  bool ok = RunWorkers(flags, keys_file, *mock, start_us + int64_t{flags.seconds} * 1'000'000, other_team.get(),
                       &in.tally, &error) &&
            ReadSharedState(flags.state_dir, &in, &error) && FetchServerStats(mock->origin(), &in.server, &error);
  other_team.reset();
  mock->Stop();
  if (ok) {
    const std::string report = FormatReport(in);
    std::printf("\n%s", report.c_str());
    std::ofstream(flags.output_dir + "/report.txt") << report;
    std::fflush(stdout);
    if (flags.chart) ok = Chart(flags, &error);
  }
  if (!ok) std::fprintf(stderr, "llmgate_demo: %s\n", error.c_str());
  remove_state();
  if (!temporary || flags.keep) {
    std::printf("\nstate directory kept: %s (the key file demo-keys is in it)\n", flags.state_dir.c_str());
  }
  curl_global_cleanup();
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace llmgate::demo

int main(int argc, char** argv) { return llmgate::demo::Main(argc, argv); }
