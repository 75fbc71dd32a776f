// BM_LimiterAcquire (one TryAcquire across RPM+RPD+TPM+TPD of one key scope) against
// BM_RawSqliteCounterTx (BEGIN IMMEDIATE; UPSERT one counter row; COMMIT with the raw
// sqlite3 C API, prepared statements and the library's pragmas). The goal is a ratio:
// BM_LimiterAcquire at most 1.5 x BM_RawSqliteCounterTx in the same run.
#include <SQLiteCpp/Database.h>
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "llmgate/llmgate.h"
#include "store/connection.h"
#include "store/db_config.h"
#include "workload.h"

namespace llmgate::bench {
namespace {

struct RawCounterFixture {
  std::string dir = MakeTempDir("llmgate-bench-rawtx");
  internal::Logger logger;
  std::unique_ptr<internal::Connection> connection;
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* upsert = nullptr;
  sqlite3_stmt* commit = nullptr;

  RawCounterFixture() {
    // Opened through the library so that the pragmas (WAL, synchronous, busy handler,
    // checkpoint policy) are exactly those of quota.db; then only the raw handle is used.
    internal::DbConfig config = internal::DbConfigFromOptions(Options{}, dir + "/raw.db", &logger);
    connection = std::move(internal::Connection::Open(config)).value();
    sqlite3* db = connection->db().getHandle();
    sqlite3_exec(db, "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID", nullptr,
                 nullptr, nullptr);
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr);
    sqlite3_prepare_v2(db,
                       "INSERT INTO counters(name, value) VALUES('key:bench', 1)"
                       " ON CONFLICT(name) DO UPDATE SET value = value + 1",
                       -1, &upsert, nullptr);
    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
  }
  ~RawCounterFixture() {
    sqlite3_finalize(begin);
    sqlite3_finalize(upsert);
    sqlite3_finalize(commit);
    connection.reset();
    RemoveTree(dir);
  }

  bool Transaction() {
    bool ok = sqlite3_step(begin) == SQLITE_DONE;
    sqlite3_reset(begin);
    ok = ok && sqlite3_step(upsert) == SQLITE_DONE;
    sqlite3_reset(upsert);
    ok = ok && sqlite3_step(commit) == SQLITE_DONE;
    sqlite3_reset(commit);
    // On SQLite releases with the WAL-reset bug automatic checkpoints are off and the
    // library checkpoints after commits; the baseline does the same, or its WAL would grow
    // without bound and it would not measure the same work.
    connection->AfterCommit();
    return ok;
  }
};

void BM_RawSqliteCounterTx(benchmark::State& state) {
  static RawCounterFixture fixture;  // removed at exit
  RawCounterFixture* f = &fixture;
  for (auto _ : state) {
    if (!f->Transaction()) state.SkipWithError("raw counter transaction failed");
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
