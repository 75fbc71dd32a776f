// BM_LimiterAcquire (one TryAcquire across RPM+RPD+TPM+TPD of one key scope) against
// BM_RawSqliteCounterTx (BEGIN IMMEDIATE; UPSERT one counter row; COMMIT with the raw
// sqlite3 C API, prepared statements and the library's pragmas). The goal is a ratio:
// BM_LimiterAcquire at most 1.5 x BM_RawSqliteCounterTx in the same run.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "llmgate/llmgate.h"
#include "raw_counter.h"
#include "workload.h"

namespace llmgate::bench {
namespace {

struct RawCounterFixture {
  std::string dir = MakeTempDir("llmgate-bench-rawtx");
  std::unique_ptr<RawCounter> counter;
  std::string error;

  RawCounterFixture() {
    const std::string path = dir + "/raw.db";
    if (Status s = CreateRawCounterTable(path); !s.ok()) {
      error = s.ToString();
      return;
    }
    auto opened = RawCounter::Open(path, "key:bench");
    if (!opened.ok()) {
      error = opened.status().ToString();
      return;
    }
    counter = std::move(opened).value();
  }
  ~RawCounterFixture() {
    counter.reset();
    RemoveTree(dir);
  }
};

void BM_RawSqliteCounterTx(benchmark::State& state) {
  static RawCounterFixture fixture;  // removed at exit
  RawCounter* counter = fixture.counter.get();
  if (counter == nullptr) {
    state.SkipWithError(fixture.error.c_str());
    return;
  }
  for (auto _ : state) {
    if (!counter->Transaction()) state.SkipWithError("raw counter transaction failed");
  }
}
BENCHMARK(BM_RawSqliteCounterTx);

struct LimiterFixture {
  std::string dir = MakeTempDir("llmgate-bench-limiter");
  std::unique_ptr<Gate> gate;
  AcquireRequest request;

  LimiterFixture() {
    Options options;
    options.state_dir = dir;
    options.limits_from_env = false;
    // Limits high enough never to deny: the benchmark measures the transaction.
    for (const auto& [dimension, window, limit] : {std::tuple<const char*, std::chrono::microseconds, int64_t>{
                                                       "requests", std::chrono::minutes(1), 1'000'000'000},
                                                   {"requests", std::chrono::hours(24), 1'000'000'000'000},
                                                   {"tokens", std::chrono::minutes(1), 1'000'000'000'000},
                                                   {"tokens", std::chrono::hours(24), 1'000'000'000'000'000}}) {
      Limit l;
      l.scope = "key:bench";
      l.dimension = dimension;
      l.window = window;
      l.limit = limit;
      options.limits.push_back(l);
    }
    gate = std::move(Gate::Open(options)).value();
    request.scopes = {"key:bench"};
    request.cost = {{"requests", 1}, {"tokens", 1200}};
  }
  ~LimiterFixture() {
    gate.reset();
    RemoveTree(dir);
  }
};

void BM_LimiterAcquire(benchmark::State& state) {
  static LimiterFixture fixture;  // removed at exit
  LimiterFixture* f = &fixture;
  for (auto _ : state) {
    Result<AcquireOutcome> r = f->gate->limiter().TryAcquire(f->request);
    if (!r.ok() || !r->granted()) state.SkipWithError("acquire failed or was denied");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_LimiterAcquire);

}  // namespace
}  // namespace llmgate::bench
