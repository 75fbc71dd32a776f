// A cache that fails never fails the caller: corrupt files are quarantined and rebuilt,
// a full disk skips the store, and every failure is logged and counted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cache/response_cache.h"
#include "cache/sqlite_cache_backend.h"
#include "llmgate/llmgate.h"
#include "testing/log_capture.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using testing::TempDir;
constexpr char kChat[] = "/chat/completions";

std::string Request(int i) {
  return R"({"model":"m","messages":[{"role":"user","content":"prompt )" + std::to_string(i) + R"("}]})";
}
std::string Response(int i) {
  return R"({"choices":[{"message":{"content":")" + std::string(1500, 'a' + i % 26) +
         R"("}}],"usage":{"total_tokens":12}})";
}

int CountQuarantined(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename();
    if (name.rfind("cache.db.corrupt-", 0) == 0 && name.find("-wal") == std::string::npos &&
        name.find("-shm") == std::string::npos)
      ++n;
  }
  return n;
}

class CacheFaultTest : public ::testing::Test {
 protected:
  std::unique_ptr<Gate> OpenGate() {
    Options options;
    options.state_dir = dir_.path();
    options.log_sink = log_.Sink();
    auto gate = Gate::Open(options);
    EXPECT_TRUE(gate.ok()) << gate.status().ToString();
    return gate.ok() ? std::move(gate).value() : nullptr;
  }
  TempDir dir_;
  testing::LogCapture log_;
};

TEST_F(CacheFaultTest, AFileThatIsNotADatabaseIsQuarantinedAndRebuilt) {
  {
    std::ofstream f(dir_.File("cache.db"));
    f << std::string(8192, 'x');
  }
  auto gate = OpenGate();
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(CountQuarantined(dir_.path()), 1);
  EXPECT_TRUE(log_.Contains("is corrupt")) << log_.All();
  EXPECT_EQ(gate->cache().Stats()->rebuilds, 1);
  ASSERT_TRUE(gate->cache().Put(kChat, Request(1), Response(1)).ok());
  EXPECT_TRUE(gate->cache().Get(kChat, Request(1))->has_value());
}

TEST_F(CacheFaultTest, APageCorruptedInTheMiddleIsFoundDuringQueriesAndRebuilt) {
  const int kEntries = 2000;
  {
    auto gate = OpenGate();
    for (int i = 0; i < kEntries; ++i) ASSERT_TRUE(gate->cache().Put(kChat, Request(i), Response(i)).ok());
  }  // the last connection to close checkpoints the WAL into cache.db
  ASSERT_FALSE(std::filesystem::exists(dir_.File("cache.db-wal")) &&
               std::filesystem::file_size(dir_.File("cache.db-wal")) > 0);
  {
    // Overwrite a run of pages in the middle of the file: the header stays valid, so the
    // damage only shows when a query reads those pages.
    int fd = ::open(dir_.File("cache.db").c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    off_t size = ::lseek(fd, 0, SEEK_END);
    std::string garbage(16 * 4096, '\x5a');
    ASSERT_EQ(::pwrite(fd, garbage.data(), garbage.size(), (size / 2) & ~off_t{4095}),
              static_cast<ssize_t>(garbage.size()));
    ::close(fd);
  }
  auto gate = OpenGate();
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(CountQuarantined(dir_.path()), 0) << "the damage is not visible at open";
  int hits = 0;
  for (int i = 0; i < kEntries; ++i) {
    auto r = gate->cache().Get(kChat, Request(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString();  // a failing cache is a miss, not an error
    hits += r->has_value();
  }
  EXPECT_LT(hits, kEntries);
  EXPECT_EQ(CountQuarantined(dir_.path()), 1);
  EXPECT_TRUE(log_.Contains("is corrupt")) << log_.All();
  auto stats = gate->cache().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->rebuilds, 1);
  EXPECT_GE(stats->errors, 1);
  // The rebuilt cache works.
  ASSERT_TRUE(gate->cache().Put(kChat, Request(1), Response(1)).ok());
  EXPECT_TRUE(gate->cache().Get(kChat, Request(1))->has_value());
}

TEST_F(CacheFaultTest, ACorruptCountersFileIsRebuiltWithTheCache) {
  {
    auto gate = OpenGate();
    ASSERT_TRUE(gate->cache().Put(kChat, Request(1), Response(1)).ok());
  }
  {
    std::ofstream f(dir_.File("cache-counters.db"), std::ios::trunc);
    f << std::string(8192, 'x');
  }
  auto gate = OpenGate();
  ASSERT_NE(gate, nullptr);
  EXPECT_TRUE(log_.Contains("is corrupt")) << log_.All();
  auto stats = gate->cache().Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->rebuilds, 1);
  EXPECT_EQ(stats->hits, 0);
  ASSERT_TRUE(gate->cache().Put(kChat, Request(2), Response(2)).ok());
  EXPECT_TRUE(gate->cache().Get(kChat, Request(2))->has_value());
  ASSERT_TRUE(gate->cache().Flush().ok());
  EXPECT_EQ(gate->cache().Stats()->hits, 1);
}

TEST_F(CacheFaultTest, AFullDiskSkipsTheStoreButNeverFailsALookup) {
  internal::Logger logger(log_.Sink(), LogLevel::kDebug);
  internal::DbConfig config;
  config.path = dir_.File("cache.db");
  config.logger = &logger;
  config.max_page_count = 64;  // 256 KiB: SQLite answers SQLITE_FULL past it, as on a full disk
  auto backend = internal::SqliteCacheBackend::Open(config);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  internal::ResponseCacheConfig rc;
  rc.default_namespace = "ns";
  rc.logger = &logger;
  internal::ResponseCache impl(rc, std::move(backend).value());
  Cache& cache = impl;

  Status last;
  int stored = 0;
  for (int i = 0; i < 400 && last.ok(); ++i) {
    last = cache.Put(kChat, Request(i), Response(i));
    stored += last.ok();
  }
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.code(), StatusCode::kUnavailable);
  EXPECT_NE(last.message().find("disk full"), std::string::npos) << last.ToString();
  EXPECT_TRUE(log_.Contains("bypassed")) << log_.All();
  // Lookups keep working: stored entries hit, others miss.
  EXPECT_TRUE(cache.Get(kChat, Request(0))->has_value());
  auto miss = cache.Get(kChat, Request(100000));
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->has_value());
  EXPECT_GE(cache.Stats()->errors, 1);
  EXPECT_GT(stored, 10);
}

TEST_F(CacheFaultTest, ADatabaseOfANewerVersionIsAClearError) {
  { auto gate = OpenGate(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("cache.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Options options;
  options.state_dir = dir_.path();
  auto gate = Gate::Open(options);
  ASSERT_FALSE(gate.ok());
  EXPECT_EQ(gate.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(gate.status().message().find("newer llmgate"), std::string::npos) << gate.status().ToString();
}

TEST_F(CacheFaultTest, ASqliteFileOfAnotherProgramIsRefusedNotOverwritten) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("cache.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA application_id=12345; CREATE TABLE t(x)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Options options;
  options.state_dir = dir_.path();
  auto gate = Gate::Open(options);
  ASSERT_FALSE(gate.ok());
  EXPECT_EQ(gate.status().code(), StatusCode::kFailedPrecondition);
}

TEST(StateDirErrorTest, AnUnusableDirectoryIsAFailedPrecondition) {
  TempDir dir;
  { std::ofstream(dir.File("plain-file")) << "x"; }
  for (const std::string& path : {dir.File("plain-file") + "/state", std::string("/proc/llmgate-state")}) {
    Options options;
    options.state_dir = path;
    auto gate = Gate::Open(options);
    ASSERT_FALSE(gate.ok()) << path;
    EXPECT_EQ(gate.status().code(), StatusCode::kFailedPrecondition) << gate.status().ToString();
  }
}

}  // namespace
}  // namespace llmgate
