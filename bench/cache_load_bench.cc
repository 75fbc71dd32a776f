// Cache-hit latency while idle and while three other processes each commit 1,000 counter
// transactions per second to quota.db of the same state directory. Prints one JSON object:
// {"hit_p50_us_idle":…, "hit_p99_us_idle":…, "hit_p50_us_loaded":…, "hit_p99_us_loaded":…}
// Goal: p50 under load at most 2 x idle (limiter commits must not disturb cache readers).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "latency.h"
#include "llmgate/llmgate.h"
#include "raw_counter.h"
#include "workload.h"

namespace llmgate::bench {
namespace {

constexpr int kEntries = 10'000;
constexpr int kSamples = 20'000;
constexpr int kWriters = 3;
constexpr int kWriterTxPerSecond = 1000;

std::vector<double> MeasureHits(Gate& gate, const std::vector<std::string>& requests) {
  std::vector<double> micros;
  micros.reserve(kSamples);
  uint64_t x = 2463534242ull;
  for (int s = 0; s < kSamples; ++s) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    const std::string& request = requests[x % requests.size()];
    int64_t start = MonotonicNanos();
    auto hit = gate.cache().Get("/chat/completions", request);
    int64_t end = MonotonicNanos();
    if (!hit.ok() || !hit->has_value()) {
      std::fprintf(stderr, "unexpected miss\n");
      std::exit(1);
    }
    micros.push_back((end - start) / 1000.0);
  }
  return micros;
}

// A process committing paced counter transactions to quota.db, as a busy limiter would.
[[noreturn]] void RunCounterWriter(const std::string& dir, int id) {
  auto counter = RawCounter::Open(dir + "/quota.db", "writer-" + std::to_string(id));
  if (!counter.ok()) {
    std::fprintf(stderr, "writer %d: %s\n", id, counter.status().ToString().c_str());
    _exit(1);
  }
  const int64_t period_ns = 1'000'000'000 / kWriterTxPerSecond;
  int64_t next = MonotonicNanos();
  for (;;) {
    if (!(*counter)->Transaction()) {
      std::fprintf(stderr, "writer %d: %s\n", id, (*counter)->error().c_str());
      _exit(1);
    }
    next += period_ns;
    int64_t wait = next - MonotonicNanos();
    if (wait > 0) usleep(static_cast<useconds_t>(wait / 1000));
  }
}

int Main() {
  std::string dir = MakeTempDir("llmgate-cache-load");
  Options options;
  options.state_dir = dir;
  auto gate = std::move(Gate::Open(options)).value();
  std::vector<std::string> requests;
  for (int i = 0; i < kEntries; ++i) {
    requests.push_back(ChatRequest(i));
    gate->cache().Put("/chat/completions", requests.back(), ChatResponse(i, 1024));
  }
  if (Status s = CreateRawCounterTable(dir + "/quota.db"); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    gate.reset();
    RemoveTree(dir);
    return 1;
  }
  MeasureHits(*gate, requests);  // warm-up
  std::vector<double> idle = MeasureHits(*gate, requests);

  std::vector<pid_t> writers;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = fork();
    if (pid == 0) RunCounterWriter(dir, w);
    writers.push_back(pid);
  }
  usleep(300'000);  // let the writers reach their pace
  std::vector<double> loaded = MeasureHits(*gate, requests);
  for (pid_t pid : writers) kill(pid, SIGKILL);
  for (pid_t pid : writers) waitpid(pid, nullptr, 0);

  std::printf("{\"hit_p50_us_idle\":%.2f, \"hit_p99_us_idle\":%.2f, \"hit_p50_us_loaded\":%.2f, "
              "\"hit_p99_us_loaded\":%.2f}\n",
              Percentile(idle, 50), Percentile(idle, 99), Percentile(loaded, 50), Percentile(loaded, 99));
  gate.reset();
  RemoveTree(dir);
  return 0;
}

}  // namespace
}  // namespace llmgate::bench

int main() { return llmgate::bench::Main(); }
