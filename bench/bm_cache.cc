// BM_CacheHit (the library's full hit) against BM_RawSqliteLookup (the fastest point
// lookup SQLite offers for the same data, with the library's pragmas). The goal is a
// ratio: BM_CacheHit at most 1.5 x BM_RawSqliteLookup in the same run. Both fixtures read
// every entry once before timing, so neither pays for the first pass over its memory map.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <SQLiteCpp/Database.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cache/canonical.h"
#include "llmgate/llmgate.h"
#include "store/connection.h"
#include "store/db_config.h"
#include "workload.h"

namespace llmgate::bench {
namespace {

constexpr int kEntries = 100'000;
constexpr int64_t kMmapBytes = int64_t{2} << 30;  // what the library sets on cache.db
constexpr int kPageSize = 8192;                   // likewise

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

// The key of entry i, spread over the 64-bit range like hashes.
int64_t RawKey(int i) { return static_cast<int64_t>(static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull); }

// A database with the library's pragmas for cache.db, created with `create_sql` and left in
// a transaction for the subclass to fill; FinishFill() commits and prepares the lookup.
struct RawDb {
  std::string dir;
  internal::Logger logger;
  std::unique_ptr<internal::Connection> connection;
  sqlite3* db = nullptr;
  sqlite3_stmt* lookup = nullptr;

  RawDb(const char* prefix, const char* create_sql) : dir(MakeTempDir(prefix)) {
    internal::DbConfig config = internal::DbConfigFromOptions(Options{}, dir + "/raw.db", &logger);
    config.mmap_bytes = kMmapBytes;
    config.page_size = kPageSize;
    connection = std::move(internal::Connection::Open(config)).value();
    db = connection->db().getHandle();
    sqlite3_exec(db, create_sql, nullptr, nullptr, nullptr);
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  }

  void FinishFill(const char* lookup_sql) {
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    // Move the rows from the WAL into the database file, as the library's own checkpoints
    // do: read through the WAL index and pread(), a lookup takes 1.6 to 2 times as long
    // as one from the memory-mapped file, and the floor must be the fastest lookup.
    connection->Checkpoint();
    sqlite3_prepare_v2(db, lookup_sql, -1, &lookup, nullptr);
  }

  ~RawDb() {
    sqlite3_finalize(lookup);
    connection.reset();
    RemoveTree(dir);
  }
};

// Looks every entry up once, untimed: this faults the memory map in.
template <typename Fixture>
void WarmUp(Fixture* f) {
  std::string out;
  for (int i = 0; i < kEntries; ++i) f->Lookup(i, &out);
}

// The timed loop of the raw benchmarks: the entries in VisitOrder(), each copied out.
template <typename Fixture>
void TimeLookups(benchmark::State& state, Fixture* f) {
  const std::vector<int>& order = VisitOrder();
  size_t n = 0;
  std::string out;
  for (auto _ : state) {
    if (!f->Lookup(order[n++ % order.size()], &out)) state.SkipWithError("raw lookup missed");
    benchmark::DoNotOptimize(out.data());
  }
}

struct RawFixture : RawDb {
  RawFixture() : RawDb("llmgate-bench-raw", "CREATE TABLE kv(id INTEGER PRIMARY KEY, v BLOB NOT NULL)") {
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO kv VALUES(?1, ?2)", -1, &ins, nullptr);
    for (int i = 0; i < kEntries; ++i) {
      std::string value = ChatResponse(i, 1024);
      sqlite3_bind_int64(ins, 1, RawKey(i));
      sqlite3_bind_blob(ins, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    FinishFill("SELECT v FROM kv WHERE id=?1");
    WarmUp(this);
  }

  bool Lookup(int i, std::string* out) {
    sqlite3_bind_int64(lookup, 1, RawKey(i));
    const bool found = sqlite3_step(lookup) == SQLITE_ROW;
    // Copy the value out, as the library does for its caller.
    if (found) out->assign(static_cast<const char*>(sqlite3_column_blob(lookup, 0)), sqlite3_column_bytes(lookup, 0));
    sqlite3_reset(lookup);
    return found;
  }
};

RawFixture& Raw() {
  static RawFixture fixture;  // destroyed at exit, which removes its directory
  return fixture;
}

void BM_RawSqliteLookup(benchmark::State& state) { TimeLookups(state, &Raw()); }
BENCHMARK(BM_RawSqliteLookup);

// Not part of the goal: the same lookups inside one read transaction that lasts the whole
// timed loop, so without the two fcntl() locks each transaction takes. Such lookups do not
// see what other processes commit meanwhile; a cache hit keeps its transaction only while
// the wal-index shows no commit (lib/cache/lookup_readers.h). This is the floor of what that
// saves.
void BM_RawSqliteLookupInOneTransaction(benchmark::State& state) {
  RawFixture& f = Raw();
  sqlite3_exec(f.db, "BEGIN", nullptr, nullptr, nullptr);
  TimeLookups(state, &f);
  sqlite3_exec(f.db, "COMMIT", nullptr, nullptr, nullptr);
}
BENCHMARK(BM_RawSqliteLookupInOneTransaction);

// The benchmark's chat requests, built once for the benchmarks that read them.
const std::vector<std::string>& Requests() {
  static const std::vector<std::string> requests = [] {
    std::vector<std::string> v;
    v.reserve(kEntries);
    for (int i = 0; i < kEntries; ++i) v.push_back(ChatRequest(i));
    return v;
  }();
  return requests;
}

// The canonical form of request i, as the cache stores and compares it.
std::string CanonicalRequest(int i) {
  std::string canonical;
  internal::Canonicalize("https://api.openai.com/v1", "/chat/completions", Requests()[i], internal::CanonicalOptions{},
                         &canonical);
  return canonical;
}

// Not part of the goal: the raw lookup of what a hit must read, for seeing where a hit's
// time goes. Same pragmas and access as BM_RawSqliteLookup, over rows shaped like the
// cache's (the canonical request beside the 1 KiB response), comparing the stored request
// byte for byte with the caller's before copying the response out.
struct VerifiedRawFixture : RawDb {
  std::vector<std::string> canonical;  // what each lookup compares against

  VerifiedRawFixture()
      : RawDb("llmgate-bench-verified",
              "CREATE TABLE kv(id INTEGER PRIMARY KEY, request BLOB NOT NULL, response BLOB NOT NULL)") {
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO kv VALUES(?1, ?2, ?3)", -1, &ins, nullptr);
    canonical.reserve(kEntries);
    for (int i = 0; i < kEntries; ++i) {
      canonical.push_back(CanonicalRequest(i));
      std::string response = ChatResponse(i, 1024);
      sqlite3_bind_int64(ins, 1, RawKey(i));
      sqlite3_bind_blob(ins, 2, canonical.back().data(), static_cast<int>(canonical.back().size()), SQLITE_STATIC);
      sqlite3_bind_blob(ins, 3, response.data(), static_cast<int>(response.size()), SQLITE_TRANSIENT);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    FinishFill("SELECT request, response FROM kv WHERE id=?1");
    WarmUp(this);
  }

  bool Lookup(int i, std::string* out) {
    sqlite3_bind_int64(lookup, 1, RawKey(i));
    bool same = false;
    if (sqlite3_step(lookup) == SQLITE_ROW) {
      const std::string& expected = canonical[i];
      same = static_cast<size_t>(sqlite3_column_bytes(lookup, 0)) == expected.size() &&
             std::memcmp(sqlite3_column_blob(lookup, 0), expected.data(), expected.size()) == 0;
      if (same) out->assign(static_cast<const char*>(sqlite3_column_blob(lookup, 1)), sqlite3_column_bytes(lookup, 1));
    }
    sqlite3_reset(lookup);
    return same;
  }
};

void BM_RawSqliteVerifiedLookup(benchmark::State& state) {
  static VerifiedRawFixture fixture;  // destroyed at exit, which removes its directory
  TimeLookups(state, &fixture);
}
BENCHMARK(BM_RawSqliteVerifiedLookup);

// Not part of the goal either: canonicalizing and hashing the hit benchmark's requests, each
// built just before, in the same order as the hits.
void BM_CanonicalizeAndHash(benchmark::State& state) {
  const std::vector<int>& order = VisitOrder();
  size_t n = 0;
  std::string request, canonical;
  for (auto _ : state) {
    BuildChatRequest(order[n++ % order.size()], &request);
    internal::Canonicalize("https://api.openai.com/v1", "/chat/completions", request, internal::CanonicalOptions{},
                           &canonical);
    benchmark::DoNotOptimize(internal::HashCanonical(canonical));
  }
}
BENCHMARK(BM_CanonicalizeAndHash);

// Not part of a goal: what BM_CacheHit and BM_CanonicalizeAndHash spend building each request.
void BM_BuildChatRequest(benchmark::State& state) {
  const std::vector<int>& order = VisitOrder();
  size_t n = 0;
  std::string request;
  for (auto _ : state) {
    BuildChatRequest(order[n++ % order.size()], &request);
    benchmark::DoNotOptimize(request.data());
  }
}
BENCHMARK(BM_BuildChatRequest);

struct CacheFixture {
  std::string dir = MakeTempDir("llmgate-bench-cache");
  std::unique_ptr<Gate> gate;
  const std::vector<std::string>& requests = Requests();

  CacheFixture() {
    Options options;
    options.state_dir = dir;
    gate = std::move(Gate::Open(options)).value();
    for (int i = 0; i < kEntries; ++i) gate->cache().Put("/chat/completions", requests[i], ChatResponse(i, 1024));
    // Read every entry once, untimed, as the raw fixture does: this faults the memory map
    // in. Access times are recorded at most once per Options::cache_access_granularity
    // (60 s) per entry: here for entries stored longer ago than that, and for the others
    // when it lapses, perhaps inside the timed loop, as in any long-running process. They
    // go to cache-counters.db with the counters, so they leave cache.db's memory map alone.
    for (const std::string& request : requests) gate->cache().Get("/chat/completions", request);
    gate->cache().Flush();
  }
  ~CacheFixture() {
    gate.reset();
    RemoveTree(dir);
  }
};

CacheFixture& Cache() {
  static CacheFixture fixture;  // destroyed at exit, which removes its directory
  return fixture;
}

// The timed loop of the hit benchmarks: the entries in VisitOrder(), the request for entry i
// given by request_of(i).
template <typename RequestOf>
void TimeHits(benchmark::State& state, RequestOf request_of) {
  Gate& gate = *Cache().gate;
  const std::vector<int>& order = VisitOrder();
  size_t n = 0;
  for (auto _ : state) {
    const std::string& request = request_of(order[n++ % order.size()]);
    Result<std::optional<std::string>> hit = gate.cache().Get("/chat/completions", request);
    if (!hit.ok() || !hit->has_value()) state.SkipWithError("cache hit missed");
    benchmark::DoNotOptimize(hit);
  }
}

// The goal's hit. Like an application, the loop builds each request just before asking for
// it, so the request is in the CPU's cache as a body just serialized is; the build (about 1 %
// of the hit, BM_BuildChatRequest) is timed with the hit.
void BM_CacheHit(benchmark::State& state) {
  std::string request;
  TimeHits(state, [&request](int i) -> const std::string& {
    BuildChatRequest(i, &request);
    return request;
  });
  BuildChatRequest(0, &request);
  state.counters["request_bytes"] = static_cast<double>(request.size());
}
BENCHMARK(BM_CacheHit);

// Not part of the goal: the same hits with requests that no CPU cache holds, read from the
// 200 MB of requests built beforehand. A hit reads its whole request, so this adds the
// memory latency of 2 KiB to each.
void BM_CacheHitColdRequest(benchmark::State& state) {
  const std::vector<std::string>& requests = Cache().requests;
  TimeHits(state, [&requests](int i) -> const std::string& { return requests[i]; });
}
BENCHMARK(BM_CacheHitColdRequest);

// Not part of the goal: the same hits through the client, as an application calls it
// (`client().ChatCompletions`), so what the call pipeline adds to a hit shows beside
// BM_CacheHit: the call's bookkeeping and reading the answer's usage.
void BM_ClientCacheHit(benchmark::State& state) {
  Client& client = Cache().gate->client();
  const std::vector<int>& order = VisitOrder();
  size_t n = 0;
  std::string request;
  for (auto _ : state) {
    BuildChatRequest(order[n++ % order.size()], &request);
    Result<Response> answer = client.ChatCompletions(request);
    if (!answer.ok() || !answer->from_cache) state.SkipWithError("client call not answered from the cache");
    benchmark::DoNotOptimize(answer);
  }
}
BENCHMARK(BM_ClientCacheHit);

// A store of a new entry (a 2 KiB chat request, its 1 KiB response) into a cache that grows
// as the benchmark runs, the checkpoints it triggers included: what each answered call that
// was not in the cache adds. Informational: the issue sets no goal for stores.
void BM_CacheStore(benchmark::State& state) {
  const std::string dir = MakeTempDir("llmgate-bench-store");
  {
    Options options;
    options.state_dir = dir;
    std::unique_ptr<Gate> gate = std::move(Gate::Open(options)).value();
    int i = 0;
    std::string request, response;
    for (auto _ : state) {
      state.PauseTiming();
      request = ChatRequest(i);
      response = ChatResponse(i, 1024);
      ++i;
      state.ResumeTiming();
      if (!gate->cache().Put("/chat/completions", request, response).ok()) state.SkipWithError("store failed");
    }
  }
  RemoveTree(dir);
}
BENCHMARK(BM_CacheStore)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace llmgate::bench
