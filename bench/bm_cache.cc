// BM_CacheHit (the library's full hit) against BM_RawSqliteLookup (the fastest point
// lookup SQLite offers for the same data, with the library's pragmas). The goal is a
// ratio: BM_CacheHit at most 1.5 x BM_RawSqliteLookup in the same run.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>
#include <vector>

#include "llmgate/llmgate.h"
#include "store/connection.h"
#include "store/db_config.h"
#include "workload.h"

namespace llmgate::bench {
namespace {

constexpr int kEntries = 100'000;
constexpr int64_t kMmapBytes = int64_t{2} << 30;  // what the library sets on cache.db
constexpr int kPageSize = 4096;                   // likewise

// A fixed pseudo-random visiting order shared by both benchmarks.
const std::vector<int>& VisitOrder() {
  static const std::vector<int> order = [] {
    std::vector<int> v(kEntries);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < kEntries; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      v[i] = static_cast<int>(x % kEntries);
    }
    return v;
  }();
  return order;
}

struct RawFixture {
  std::string dir = MakeTempDir("llmgate-bench-raw");
  internal::Logger logger;
  std::unique_ptr<internal::Connection> connection;
  sqlite3_stmt* lookup = nullptr;

  RawFixture() {
    internal::DbConfig config = internal::DbConfigFromOptions(Options{}, dir + "/raw.db", &logger);
    config.mmap_bytes = kMmapBytes;
    config.page_size = kPageSize;
    connection = std::move(internal::Connection::Open(config)).value();
    sqlite3* db = connection->db().getHandle();
    sqlite3_exec(db, "CREATE TABLE kv(id INTEGER PRIMARY KEY, v BLOB NOT NULL)", nullptr, nullptr, nullptr);
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO kv VALUES(?1, ?2)", -1, &ins, nullptr);
    for (int i = 0; i < kEntries; ++i) {
      std::string value = ChatResponse(i, 1024);
      sqlite3_bind_int64(ins, 1, static_cast<int64_t>(i) * 0x9E3779B97F4A7C15ull);  // spread like hashes
      sqlite3_bind_blob(ins, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db, "SELECT v FROM kv WHERE id=?1", -1, &lookup, nullptr);
  }
  ~RawFixture() {
    sqlite3_finalize(lookup);
    connection.reset();
    RemoveTree(dir);
  }
};

void BM_RawSqliteLookup(benchmark::State& state) {
  static RawFixture* f = new RawFixture();
  const std::vector<int>& order = VisitOrder();
  size_t n = 0;
  std::string out;
  for (auto _ : state) {
    int i = order[n++ % order.size()];
    sqlite3_bind_int64(f->lookup, 1, static_cast<int64_t>(i) * 0x9E3779B97F4A7C15ull);
    if (sqlite3_step(f->lookup) != SQLITE_ROW) state.SkipWithError("raw lookup missed");
    // Copy the value out, as the library does for its caller.
    out.assign(static_cast<const char*>(sqlite3_column_blob(f->lookup, 0)), sqlite3_column_bytes(f->lookup, 0));
    sqlite3_reset(f->lookup);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RawSqliteLookup);

struct CacheFixture {
  std::string dir = MakeTempDir("llmgate-bench-cache");
  std::unique_ptr<Gate> gate;
  std::vector<std::string> requests;

  CacheFixture() {
    Options options;
    options.state_dir = dir;
    gate = std::move(Gate::Open(options)).value();
    requests.reserve(kEntries);
    for (int i = 0; i < kEntries; ++i) {
      requests.push_back(ChatRequest(i));
      gate->cache().Put("/chat/completions", requests.back(), ChatResponse(i, 1024));
    }
  }
  ~CacheFixture() {
    gate.reset();
    RemoveTree(dir);
  }
};

void BM_CacheHit(benchmark::State& state) {
  static CacheFixture* f = new CacheFixture();
  const std::vector<int>& order = VisitOrder();
  size_t n = 0;
  for (auto _ : state) {
    const std::string& request = f->requests[order[n++ % order.size()]];
    Result<std::optional<std::string>> hit = f->gate->cache().Get("/chat/completions", request);
    if (!hit.ok() || !hit->has_value()) state.SkipWithError("cache hit missed");
    benchmark::DoNotOptimize(hit);
  }
  state.counters["request_bytes"] = static_cast<double>(f->requests[0].size());
}
BENCHMARK(BM_CacheHit);

}  // namespace
}  // namespace llmgate::bench
