// The response cache through the public Gate API: hits and misses, stats, TTL, the size
// cap with last-access eviction, invalidate and purge, per-request controls.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <thread>

#include "cache/recorded_accesses.h"
#include "cache/response_cache.h"
#include "cache/sqlite_cache_backend.h"
#include "llmgate/llmgate.h"
#include "testing/fake_clock.h"
#include "testing/fork.h"
#include "testing/log_capture.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using testing::FakeClock;
using testing::TempDir;

constexpr int64_t kSecond = 1'000'000;
constexpr char kChat[] = "/chat/completions";

std::string Request(const std::string& prompt) {
  return R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":")" + prompt + R"("}]})";
}

std::string Response(const std::string& text, int total_tokens = 30) {
  return R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")" +
         text + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":)" +
         std::to_string(total_tokens - 10) + R"(,"total_tokens":)" + std::to_string(total_tokens) + "}}";
}

class CacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<Gate> OpenGate(Options options = {}) {
    options.state_dir = dir_.path();
    options.clock = clock_;
    options.log_sink = log_.Sink();
    Result<std::unique_ptr<Gate>> gate = Gate::Open(options);
    EXPECT_TRUE(gate.ok()) << gate.status().ToString();
    return gate.ok() ? std::move(gate).value() : nullptr;
  }

  // Read times recorded in the counters file and not yet folded into cache.db.
  int64_t HitAccessRows() {
    sqlite3* db = nullptr;
    int64_t rows = -1;
    if (sqlite3_open_v2(dir_.File("cache-counters.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db, "SELECT count(*) FROM hit_access", -1, &st, nullptr);
      if (st != nullptr && sqlite3_step(st) == SQLITE_ROW) rows = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rows;
  }

  TempDir dir_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  testing::LogCapture log_;
};

TEST_F(CacheTest, MissThenHitReturnsStoredResponse) {
  auto gate = OpenGate();
  Cache& cache = gate->cache();
  auto miss = cache.Get(kChat, Request("hello"));
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->has_value());

  ASSERT_TRUE(cache.Put(kChat, Request("hello"), Response("hi there")).ok());
  auto hit = cache.Get(kChat, Request("hello"));
  ASSERT_TRUE(hit.ok());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ(**hit, Response("hi there"));

  // An equivalent request (key order, spacing, explicit defaults) is the same entry.
  auto same = cache.Get(kChat, R"({ "messages":[{"content":"hello","role":"user"}], "temperature":1.0,
                                   "model":"gpt-4o-mini", "user":"alice" })");
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->has_value());
  // A different prompt is not.
  EXPECT_FALSE(cache.Get(kChat, Request("hello!"))->has_value());
}

TEST_F(CacheTest, StatsCountHitsMissesTokensAndBytes) {
  auto gate = OpenGate();
  Cache& cache = gate->cache();
  ASSERT_TRUE(cache.Put(kChat, Request("a"), Response("x", 40)).ok());
  ASSERT_TRUE(cache.Put(kChat, Request("b"), Response("y", 25)).ok());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(cache.Get(kChat, Request("a"))->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("b"))->has_value());
  EXPECT_FALSE(cache.Get(kChat, Request("c"))->has_value());

  auto stats = cache.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 2);
  EXPECT_EQ(stats->hits, 4);
  EXPECT_EQ(stats->misses, 1);
  EXPECT_EQ(stats->tokens_saved, 3 * 40 + 25);
  EXPECT_GT(stats->bytes, static_cast<int64_t>(Response("x", 40).size() + Response("y", 25).size()));
  EXPECT_EQ(stats->errors, 0);
}

TEST_F(CacheTest, EntriesAndStatsSurviveReopening) {
  {
    auto gate = OpenGate();
    ASSERT_TRUE(gate->cache().Put(kChat, Request("keep"), Response("kept", 50)).ok());
    EXPECT_TRUE(gate->cache().Get(kChat, Request("keep"))->has_value());
  }  // closing flushes the batched hit
  auto gate = OpenGate();
  auto hit = gate->cache().Get(kChat, Request("keep"));
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ(**hit, Response("kept", 50));
  auto stats = gate->cache().Stats();
  EXPECT_EQ(stats->entries, 1);
  EXPECT_EQ(stats->hits, 2);
  EXPECT_EQ(stats->tokens_saved, 100);
}

TEST_F(CacheTest, HitsAreBatchedNotWrittenOneByOne) {
  Options options;
  options.cache_flush_batch = 1000;
  options.cache_flush_interval = std::chrono::milliseconds(60'000);
  auto gate = OpenGate(options);
  ASSERT_TRUE(gate->cache().Put(kChat, Request("a"), Response("x")).ok());
  for (int i = 0; i < 10; ++i) gate->cache().Get(kChat, Request("a"));

  // A second gate reads the shared counters: the hits are still pending in the first.
  auto other = OpenGate(options);
  EXPECT_EQ(other->cache().Stats()->hits, 0);
  ASSERT_TRUE(gate->cache().Flush().ok());
  EXPECT_EQ(other->cache().Stats()->hits, 10);

  // The interval also triggers a flush.
  gate->cache().Get(kChat, Request("a"));
  clock_->Advance(61 * kSecond);
  gate->cache().Get(kChat, Request("a"));
  EXPECT_EQ(other->cache().Stats()->hits, 12);
}

// PRAGMA data_version of cache.db as a fresh connection sees it: it changes when any other
// connection commits to the file.
class CacheFileWatch {
 public:
  explicit CacheFileWatch(const std::string& path) { sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr); }
  ~CacheFileWatch() { sqlite3_close(db_); }
  int64_t DataVersion() {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "PRAGMA data_version", -1, &st, nullptr);
    const int64_t version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return version;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST_F(CacheTest, FlushingHitsLeavesCacheDbAlone) {
  // Every commit to cache.db makes its other connections drop their memory map and page
  // cache, so what hits write once a second (counters and read times) goes to a file of
  // its own.
  auto gate = OpenGate();
  ASSERT_TRUE(gate->cache().Put(kChat, Request("a"), Response("x")).ok());  // records the access too
  CacheFileWatch watch(dir_.File("cache.db"));
  const int64_t before = watch.DataVersion();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(gate->cache().Get(kChat, Request("a"))->has_value());
  ASSERT_TRUE(gate->cache().Get(kChat, Request("b")).ok());
  // Past the access granularity and its spread (up to a quarter more), so this read's time
  // is recorded.
  clock_->Advance(76 * kSecond);
  ASSERT_TRUE(gate->cache().Get(kChat, Request("a"))->has_value());
  ASSERT_TRUE(gate->cache().Flush().ok());
  EXPECT_EQ(watch.DataVersion(), before);
  EXPECT_EQ(HitAccessRows(), 1);
  auto stats = gate->cache().Stats();
  EXPECT_EQ(stats->hits, 4);
  EXPECT_EQ(stats->misses, 1);
  EXPECT_EQ(stats->tokens_saved, 120);
  // A store does write cache.db (the watch works).
  ASSERT_TRUE(gate->cache().Put(kChat, Request("b"), Response("y")).ok());
  EXPECT_NE(watch.DataVersion(), before);
}

TEST_F(CacheTest, EvictionHonoursReadsRecordedByAnotherProcess) {
  const std::string big(4000, 'z');
  Options options;
  options.cache_max_bytes = 3 * 4700;  // room for three entries of ~4.4 KB, not four
  options.cache_access_granularity = std::chrono::seconds(1);
  auto writer = OpenGate(options);
  auto reader = OpenGate(options);  // its own cache object and connections, like a process
  ASSERT_TRUE(writer->cache().Put(kChat, Request("old-but-read"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(writer->cache().Put(kChat, Request("old-unread"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(writer->cache().Put(kChat, Request("newer"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(reader->cache().Get(kChat, Request("old-but-read"))->has_value());
  ASSERT_TRUE(reader->cache().Flush().ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(writer->cache().Put(kChat, Request("newest"), Response(big)).ok());
  // The eviction folded the recorded read into cache.db and forgot it.
  EXPECT_EQ(HitAccessRows(), 0);

  EXPECT_TRUE(writer->cache().Get(kChat, Request("old-but-read"))->has_value());
  EXPECT_FALSE(writer->cache().Get(kChat, Request("old-unread"))->has_value());
  EXPECT_EQ(writer->cache().Stats()->evictions, 1);
}

TEST_F(CacheTest, RecordedReadsAreForgottenByExpiryAndPurge) {
  Options options;
  options.cache_access_granularity = std::chrono::seconds(1);
  auto gate = OpenGate(options);
  Cache& cache = gate->cache();
  ASSERT_TRUE(cache.Put(kChat, Request("a"), Response("x")).ok());
  ASSERT_TRUE(cache.Put(kChat, Request("b"), Response("y")).ok());
  clock_->Advance(2 * kSecond);
  ASSERT_TRUE(cache.Get(kChat, Request("a"))->has_value());
  ASSERT_TRUE(cache.Get(kChat, Request("b"))->has_value());
  ASSERT_TRUE(cache.Flush().ok());
  EXPECT_EQ(HitAccessRows(), 2);
  ASSERT_TRUE(cache.Invalidate(kChat, Request("b")).ok());
  ASSERT_TRUE(cache.RemoveExpired().ok());  // folds, dropping the read of the removed entry
  EXPECT_EQ(HitAccessRows(), 0);

  clock_->Advance(2 * kSecond);
  ASSERT_TRUE(cache.Get(kChat, Request("a"))->has_value());
  ASSERT_TRUE(cache.Flush().ok());
  EXPECT_EQ(HitAccessRows(), 1);
  ASSERT_TRUE(cache.Purge().ok());
  EXPECT_EQ(HitAccessRows(), 0);
}

TEST_F(CacheTest, UpgradingVersion1CountersKeepsThem) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("cache-counters.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "PRAGMA application_id=1280067403; PRAGMA user_version=1;"  // "LLGK", version 1
                           "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
                           "INSERT INTO counters(name, value) VALUES ('hits', 7), ('misses', 2),"
                           " ('tokens_saved', 70), ('errors', 0);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  Options options;
  options.cache_access_granularity = std::chrono::seconds(1);
  auto gate = OpenGate(options);
  ASSERT_TRUE(gate->cache().Put(kChat, Request("a"), Response("x")).ok());
  clock_->Advance(2 * kSecond);
  ASSERT_TRUE(gate->cache().Get(kChat, Request("a"))->has_value());
  ASSERT_TRUE(gate->cache().Flush().ok());
  auto stats = gate->cache().Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->hits, 8);
  EXPECT_EQ(stats->misses, 2);
  EXPECT_EQ(HitAccessRows(), 1);
}

TEST_F(CacheTest, UpgradingAVersion1CacheDropsItsEntries) {
  // Version 1 keyed requests without rule 8 (schema property order), so its entries could
  // answer a request whose properties came in another order: they are dropped.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("cache.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, internal::SqliteCacheBackend::kCreateSql, nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "PRAGMA application_id=1280067395; PRAGMA user_version=1;"  // "LLGC", version 1
                           "INSERT INTO entries VALUES(1, 2, 'ns', x'00', x'7b7d', 0, 3, 0, 0);"
                           "INSERT INTO access VALUES(1, 0);"
                           "UPDATE stats SET value = CASE name WHEN 'entries' THEN 1 WHEN 'bytes' THEN 3"
                           " WHEN 'hits' THEN 5 ELSE value END;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto gate = OpenGate();
  auto stats = gate->cache().Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->entries, 0);
  EXPECT_EQ(stats->bytes, 0);
  EXPECT_EQ(stats->hits, 0);
  ASSERT_TRUE(gate->cache().Put(kChat, Request("a"), Response("x")).ok());
  EXPECT_TRUE(gate->cache().Get(kChat, Request("a"))->has_value());
  EXPECT_EQ(gate->cache().Stats()->entries, 1);
}

TEST_F(CacheTest, TtlExpiresEntries) {
  Options options;
  options.cache_default_ttl = std::chrono::seconds(100);
  auto gate = OpenGate(options);
  Cache& cache = gate->cache();
  CacheControl short_ttl;
  short_ttl.ttl = std::chrono::seconds(10);
  ASSERT_TRUE(cache.Put(kChat, Request("short"), Response("s"), short_ttl).ok());
  ASSERT_TRUE(cache.Put(kChat, Request("default"), Response("d")).ok());
  CacheControl forever;
  forever.ttl = std::chrono::seconds(0);
  ASSERT_TRUE(cache.Put(kChat, Request("forever"), Response("f"), forever).ok());

  clock_->Advance(9 * kSecond);
  EXPECT_TRUE(cache.Get(kChat, Request("short"))->has_value());
  clock_->Advance(2 * kSecond);
  EXPECT_FALSE(cache.Get(kChat, Request("short"))->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("default"))->has_value());
  clock_->Advance(100 * kSecond);
  EXPECT_FALSE(cache.Get(kChat, Request("default"))->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("forever"))->has_value());

  auto removed = cache.RemoveExpired();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2);
  auto stats = cache.Stats();
  EXPECT_EQ(stats->entries, 1);
  EXPECT_EQ(stats->expirations, 2);
}

TEST_F(CacheTest, SizeCapEvictsLeastRecentlyRead) {
  const std::string big(4000, 'z');
  Options options;
  options.cache_max_bytes = 3 * 4700;  // room for three entries of ~4.4 KB, not four
  options.cache_access_granularity = std::chrono::seconds(1);
  auto gate = OpenGate(options);
  Cache& cache = gate->cache();
  ASSERT_TRUE(cache.Put(kChat, Request("old-but-read"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Put(kChat, Request("old-unread"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Put(kChat, Request("newer"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Get(kChat, Request("old-but-read"))->has_value());
  ASSERT_TRUE(cache.Flush().ok());  // access times reach the database in batches
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Put(kChat, Request("newest"), Response(big)).ok());

  EXPECT_TRUE(cache.Get(kChat, Request("old-but-read"))->has_value());
  EXPECT_FALSE(cache.Get(kChat, Request("old-unread"))->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("newer"))->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("newest"))->has_value());
  auto stats = cache.Stats();
  EXPECT_EQ(stats->entries, 3);
  EXPECT_EQ(stats->evictions, 1);
  EXPECT_LE(stats->bytes, options.cache_max_bytes);
}

TEST_F(CacheTest, AccessTimesAreRecordedAtMostOncePerGranularity) {
  const std::string big(4000, 'z');
  Options options;
  options.cache_max_bytes = 2 * 4700;
  options.cache_access_granularity = std::chrono::seconds(60);
  auto gate = OpenGate(options);
  Cache& cache = gate->cache();
  ASSERT_TRUE(cache.Put(kChat, Request("first"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Put(kChat, Request("second"), Response(big)).ok());
  // Read within the granularity: not recorded, so "first" still counts as the oldest.
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Get(kChat, Request("first"))->has_value());
  ASSERT_TRUE(cache.Flush().ok());
  ASSERT_TRUE(cache.Put(kChat, Request("third"), Response(big)).ok());
  EXPECT_FALSE(cache.Get(kChat, Request("first"))->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("second"))->has_value());
  // Past the granularity (and its spread of up to a quarter more), a read is recorded and
  // protects the entry.
  clock_->Advance(76 * kSecond);
  ASSERT_TRUE(cache.Get(kChat, Request("second"))->has_value());
  ASSERT_TRUE(cache.Flush().ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Put(kChat, Request("fourth"), Response(big)).ok());
  EXPECT_TRUE(cache.Get(kChat, Request("second"))->has_value());
  EXPECT_FALSE(cache.Get(kChat, Request("third"))->has_value());
}

TEST_F(CacheTest, EntriesRecordedTogetherComeDueOverAQuarterOfTheGranularity) {
  Options options;
  options.cache_access_granularity = std::chrono::seconds(60);
  auto gate = OpenGate(options);
  Cache& cache = gate->cache();
  constexpr int kEntries = 64;
  for (int i = 0; i < kEntries; ++i) ASSERT_TRUE(cache.Put(kChat, Request("p" + std::to_string(i)), Response("x")).ok());
  auto read_all = [&] {
    for (int i = 0; i < kEntries; ++i) ASSERT_TRUE(cache.Get(kChat, Request("p" + std::to_string(i)))->has_value());
    ASSERT_TRUE(cache.Flush().ok());
  };
  // Stored (and so recorded) at one moment: none is due before the granularity, some are
  // half way through the spread, all are at its end.
  clock_->Advance(60 * kSecond - 1);
  read_all();
  EXPECT_EQ(HitAccessRows(), 0);
  clock_->Advance(7'500'000 + 1);
  read_all();
  const int half_way = HitAccessRows();
  EXPECT_GT(half_way, kEntries / 8);
  EXPECT_LT(half_way, kEntries * 7 / 8);
  clock_->Advance(7'500'000);
  read_all();
  EXPECT_EQ(HitAccessRows(), kEntries);
}

TEST_F(CacheTest, ExpiredEntriesGoBeforeLiveOnesWhenRoomIsNeeded) {
  const std::string big(4000, 'z');
  Options options;
  options.cache_max_bytes = 2 * 4700;
  auto gate = OpenGate(options);
  Cache& cache = gate->cache();
  CacheControl ttl;
  ttl.ttl = std::chrono::seconds(5);
  ASSERT_TRUE(cache.Put(kChat, Request("live"), Response(big)).ok());
  clock_->Advance(kSecond);
  ASSERT_TRUE(cache.Put(kChat, Request("expiring"), Response(big), ttl).ok());
  clock_->Advance(10 * kSecond);
  ASSERT_TRUE(cache.Put(kChat, Request("new"), Response(big)).ok());
  EXPECT_TRUE(cache.Get(kChat, Request("live"))->has_value());
  EXPECT_EQ(cache.Stats()->expirations, 1);
  EXPECT_EQ(cache.Stats()->evictions, 0);
}

TEST_F(CacheTest, AResponseLargerThanTheCapIsNotStored) {
  Options options;
  options.cache_max_bytes = 1000;
  auto gate = OpenGate(options);
  EXPECT_TRUE(gate->cache().Put(kChat, Request("huge"), Response(std::string(5000, 'q'))).ok());
  EXPECT_FALSE(gate->cache().Get(kChat, Request("huge"))->has_value());
  EXPECT_EQ(gate->cache().Stats()->entries, 0);
}

TEST_F(CacheTest, InvalidateAndPurge) {
  auto gate = OpenGate();
  Cache& cache = gate->cache();
  CacheControl other_ns;
  other_ns.cache_namespace = "http://localhost:8080/v1";
  ASSERT_TRUE(cache.Put(kChat, Request("a"), Response("1")).ok());
  ASSERT_TRUE(cache.Put(kChat, Request("b"), Response("2")).ok());
  ASSERT_TRUE(cache.Put(kChat, Request("a"), Response("3"), other_ns).ok());
  // Namespaces keep answers of different servers apart.
  EXPECT_EQ(**cache.Get(kChat, Request("a"), other_ns), Response("3"));
  EXPECT_EQ(**cache.Get(kChat, Request("a")), Response("1"));

  ASSERT_TRUE(cache.Invalidate(kChat, Request("a")).ok());
  EXPECT_FALSE(cache.Get(kChat, Request("a"))->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("a"), other_ns)->has_value());
  EXPECT_EQ(cache.Stats()->entries, 2);

  auto purged = cache.Purge(std::string_view("http://localhost:8080/v1"));
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_TRUE(cache.Get(kChat, Request("b"))->has_value());
  auto all = cache.Purge();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 1);
  auto stats = cache.Stats();
  EXPECT_EQ(stats->entries, 0);
  EXPECT_EQ(stats->bytes, 0);
}

// Lookups keep their read transaction between hits (lookup_readers.h): every change another
// gate or process commits must still show in the next hit.
TEST_F(CacheTest, HitsSeeEveryChangeCommittedBeforeThem) {
  auto reader = OpenGate();
  auto writer = OpenGate();
  Cache& cache = reader->cache();
  ASSERT_TRUE(writer->cache().Put(kChat, Request("a"), Response("1")).ok());
  EXPECT_EQ(**cache.Get(kChat, Request("a")), Response("1"));
  EXPECT_EQ(**cache.Get(kChat, Request("a")), Response("1"));

  ASSERT_TRUE(writer->cache().Invalidate(kChat, Request("a")).ok());
  EXPECT_FALSE(cache.Get(kChat, Request("a"))->has_value());
  ASSERT_TRUE(writer->cache().Put(kChat, Request("a"), Response("2")).ok());
  EXPECT_EQ(**cache.Get(kChat, Request("a")), Response("2"));

  // From another process.
  pid_t child = testing::ForkChild([&] {
    auto own = OpenGate();
    if (!own || !own->cache().Put(kChat, Request("a"), Response("3")).ok()) return 2;
    return 0;
  });
  ASSERT_EQ(testing::WaitChild(child), 0);
  EXPECT_EQ(**cache.Get(kChat, Request("a")), Response("3"));
  child = testing::ForkChild([&] {
    auto own = OpenGate();
    if (!own || !own->cache().Purge().ok()) return 2;
    return 0;
  });
  ASSERT_EQ(testing::WaitChild(child), 0);
  EXPECT_FALSE(cache.Get(kChat, Request("a"))->has_value());
}

TEST_F(CacheTest, PerRequestControlsAndDisabledCache) {
  auto gate = OpenGate();
  Cache& cache = gate->cache();
  CacheControl skip_write;
  skip_write.skip_write = true;
  ASSERT_TRUE(cache.Put(kChat, Request("a"), Response("1"), skip_write).ok());
  EXPECT_FALSE(cache.Get(kChat, Request("a"))->has_value());

  ASSERT_TRUE(cache.Put(kChat, Request("a"), Response("1")).ok());
  CacheControl skip_read;
  skip_read.skip_read = true;
  EXPECT_FALSE(cache.Get(kChat, Request("a"), skip_read)->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("a"))->has_value());

  Options off;
  off.cache_enabled = false;
  auto disabled = OpenGate(off);
  EXPECT_FALSE(disabled->cache().Get(kChat, Request("a"))->has_value());
}

TEST_F(CacheTest, NamespaceDefaultsToBaseUrl) {
  Options a;
  a.base_url = "https://api.openai.com/v1";
  Options b;
  b.base_url = "http://127.0.0.1:9/v1";
  auto gate_a = OpenGate(a);
  auto gate_b = OpenGate(b);
  ASSERT_TRUE(gate_a->cache().Put(kChat, Request("q"), Response("from a")).ok());
  EXPECT_FALSE(gate_b->cache().Get(kChat, Request("q"))->has_value());
  CacheControl ns;
  ns.cache_namespace = "https://api.openai.com/v1";
  EXPECT_TRUE(gate_b->cache().Get(kChat, Request("q"), ns)->has_value());
}

TEST_F(CacheTest, BadInputIsATypedError) {
  auto gate = OpenGate();
  Cache& cache = gate->cache();
  for (const char* body : {"", "{", "{\"model\":", "[1,2]", "\"text\"", "42", "{\"a\":1} trailing"}) {
    auto r = cache.Get(kChat, body);
    EXPECT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(cache.Put(kChat, body, Response("x")).code(), StatusCode::kInvalidArgument) << body;
  }
  EXPECT_EQ(cache.Put(kChat, Request("a"), "not json").code(), StatusCode::kInvalidArgument);
  // Error answers are never cached.
  EXPECT_EQ(cache.Put(kChat, Request("a"), R"({"error":{"message":"boom","code":"server_error"}})").code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(cache.Get(kChat, Request("a"))->has_value());
}

// Equal hashes are not enough: the stored canonical request must match byte for byte.
TEST(RecordedAccessesTest, RemembersGrowsAndStartsOverWhenFull) {
  internal::RecordedAccesses table(5000);
  int64_t at = 0;
  EXPECT_FALSE(table.Find(42, &at));
  for (uint64_t i = 0; i < 5000; ++i) table.Set(i * 0x9E3779B97F4A7C15ull, static_cast<int64_t>(i));
  EXPECT_EQ(table.size(), 5000u);
  for (uint64_t i = 0; i < 5000; ++i) {
    ASSERT_TRUE(table.Find(i * 0x9E3779B97F4A7C15ull, &at)) << i;
    EXPECT_EQ(at, static_cast<int64_t>(i));
  }
  table.Set(0, 77);  // id 0 (i == 0 above) is updated in place
  ASSERT_TRUE(table.Find(0, &at));
  EXPECT_EQ(at, 77);
  EXPECT_EQ(table.size(), 5000u);
  table.Set(12345, 1);  // one more than the cap: starts over with just this one
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.Find(12345, &at));
  EXPECT_FALSE(table.Find(0x9E3779B97F4A7C15ull, &at));
}

// The SQLite cache backend alone, on cache.db of a directory of its own.
struct BackendFixture {
  TempDir dir;
  internal::Logger logger;
  internal::DbConfig config;
  Result<std::unique_ptr<internal::SqliteCacheBackend>> backend = Open();

  Result<std::unique_ptr<internal::SqliteCacheBackend>> Open() {
    config.path = dir.File("cache.db");
    config.logger = &logger;
    return internal::SqliteCacheBackend::Open(config);
  }
};

TEST(CacheCollisionTest, CollidingHashesNeverServeAnotherRequestsAnswer) {
  BackendFixture f;
  internal::Logger& logger = f.logger;
  auto& backend = f.backend;
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  internal::ResponseCacheConfig rc;
  rc.default_namespace = "ns";
  rc.logger = &logger;
  rc.hasher = [](std::string_view) { return internal::Hash128{42, 7}; };  // everything collides
  internal::ResponseCache impl(rc, std::move(backend).value());
  Cache& cache = impl;

  ASSERT_TRUE(cache.Put(kChat, Request("first"), Response("first answer")).ok());
  auto other = cache.Get(kChat, Request("second"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  EXPECT_EQ(**cache.Get(kChat, Request("first")), Response("first answer"));
  // Invalidating the other request must not remove the stored one either.
  ASSERT_TRUE(cache.Invalidate(kChat, Request("second")).ok());
  EXPECT_TRUE(cache.Get(kChat, Request("first"))->has_value());
}

// A lookup that finds nothing ends its read transaction at once: the caller's store usually
// follows, and its checkpoint must not wait for that transaction.
TEST(CacheLookupTest, AMissLeavesNoReadTransactionOpen) {
  BackendFixture f;
  ASSERT_TRUE(f.backend.ok()) << f.backend.status().ToString();
  internal::SqliteCacheBackend& backend = **f.backend;
  const internal::DbConfig& config = f.config;
  const std::string request = "request 1", response = Response("answer");
  internal::NewEntry entry;
  entry.key = internal::Hash128{1, 1};
  entry.cache_namespace = "ns";
  entry.canonical_request = request;
  entry.response = response;
  ASSERT_TRUE(backend.Store(entry, 1, 0).ok());  // frames in the WAL, which a held snapshot reads
  // Another connection, opened beforehand: it commits and restarts the WAL right after the
  // miss, without a busy handler (a reader in the way fails the restart at once).
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(config.path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "SELECT count(*) FROM stats", nullptr, nullptr, nullptr), SQLITE_OK);

  auto miss = backend.Lookup(internal::Hash128{2, 2}, "request 2", 1);
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->has_value());
  EXPECT_EQ(sqlite3_exec(other, "UPDATE stats SET value = value", nullptr, nullptr, nullptr), SQLITE_OK);
  int log = 0, done = 0;
  EXPECT_EQ(sqlite3_wal_checkpoint_v2(other, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &done), SQLITE_OK);
  sqlite3_close(other);
}

TEST_F(CacheTest, AChildProcessKeepsUsingAnInheritedGate) {
  auto gate = OpenGate();
  Cache& cache = gate->cache();
  ASSERT_TRUE(cache.Put(kChat, Request("parent"), Response("p")).ok());
  ASSERT_TRUE(cache.Get(kChat, Request("parent"))->has_value());  // leaves idle connections behind
  const pid_t pid = testing::ForkChild([&cache] {
    // The child opens connections of its own; it must not use or close the parent's.
    auto inherited = cache.Get(kChat, Request("parent"));
    if (!inherited.ok() || !inherited->has_value() || **inherited != Response("p")) return 1;
    if (!cache.Put(kChat, Request("child"), Response("c")).ok()) return 2;
    auto own = cache.Get(kChat, Request("child"));
    if (!own.ok() || !own->has_value() || **own != Response("c")) return 3;
    return 0;
  });
  ASSERT_EQ(testing::WaitChild(pid), 0);
  // The parent's connections still work and see what the child stored.
  auto from_child = cache.Get(kChat, Request("child"));
  ASSERT_TRUE(from_child.ok()) << from_child.status().ToString();
  EXPECT_TRUE(from_child->has_value());
  EXPECT_TRUE(cache.Get(kChat, Request("parent"))->has_value());
  EXPECT_EQ(cache.Stats()->errors, 0);
}

TEST_F(CacheTest, ManyThreadsShareOneGate) {
  auto gate = OpenGate();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string req = Request("t" + std::to_string(t) + "-" + std::to_string(i));
        if (!gate->cache().Put(kChat, req, Response("r")).ok()) ++failures;
        auto hit = gate->cache().Get(kChat, req);
        if (!hit.ok() || !hit->has_value()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(gate->cache().Stats()->entries, 400);
  EXPECT_EQ(gate->cache().Stats()->hits, 400);
}

}  // namespace
}  // namespace llmgate
