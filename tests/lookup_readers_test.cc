// Cache lookup readers and the read transactions they hold between lookups: a held
// transaction must never show stale data, and must not hold back another connection's
// checkpoint once its reader is idle.
#include "cache/lookup_readers.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "store/db_config.h"
#include "testing/fork.h"
#include "testing/temp_dir.h"

namespace llmgate::internal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kLookup[] = "SELECT v FROM t WHERE id = ?1";

// A database with a table t(id, v), written through a plain connection of its own that
// waits for nothing (a busy database is reported at once).
class LookupReadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.path = dir_.File("t.db");
    ASSERT_EQ(sqlite3_open(config_.path.c_str(), &writer_), SQLITE_OK);
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA wal_autocheckpoint=0");
    Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
    Exec("INSERT INTO t VALUES(1, 'first')");
    // Ended by the tests alone, which then hold for as long as they need.
    readers_ = std::make_unique<LookupReaders>(config_, kLookup, LookupReaders::IdleRelease::kByCaller);
  }
  void TearDown() override {
    readers_.reset();
    sqlite3_close(writer_);
  }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(writer_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  }

  // A RESTART checkpoint by the writer, without waiting: false when a reader holds it back.
  bool RestartCheckpoint() {
    int log = 0, done = 0;
    return sqlite3_wal_checkpoint_v2(writer_, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &done) == SQLITE_OK;
  }

  // The value of row 1 as a lookup through the readers sees it.
  std::string Lookup(LookupReaders& readers) {
    auto lease = readers.Acquire();
    if (!lease.ok()) return "error: " + lease.status().ToString();
    lease->BeginRead();
    sqlite3_stmt* st = lease->statement();
    sqlite3_bind_int64(st, 1, 1);
    if (sqlite3_step(st) != SQLITE_ROW) return "no row";
    return reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  std::string Lookup() { return Lookup(*readers_); }

  // Waits (at most 10 s) for the background thread to end every idle reader's transaction.
  void WaitUntilNoIdleReaderHolds() {
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
    while (readers_->HeldIdleReaders() > 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // The thread ends every idle reader's transaction; then row 1 becomes `value` and the
  // WAL restarts, which no reader holds back any more.
  void ExpectTheThreadToEndIdleReadersThenUpdate(const std::string& value) {
    WaitUntilNoIdleReaderHolds();
    EXPECT_EQ(readers_->HeldIdleReaders(), 0);
    Exec("UPDATE t SET v = '" + value + "'");
    EXPECT_TRUE(RestartCheckpoint());
  }

  testing::TempDir dir_;
  DbConfig config_;
  sqlite3* writer_ = nullptr;
  std::unique_ptr<LookupReaders> readers_;
};

TEST_F(LookupReadersTest, AReaderHoldsItsReadTransactionBetweenLookups) {
  EXPECT_EQ(Lookup(), "first");
  EXPECT_EQ(readers_->HeldIdleReaders(), 1);
  // The writer's commit is in the WAL; a held snapshot keeps a RESTART from finishing.
  Exec("UPDATE t SET v = 'second'");
  EXPECT_FALSE(RestartCheckpoint());
}

TEST_F(LookupReadersTest, AHeldTransactionNeverShowsDataOlderThanTheLastCommit) {
  EXPECT_EQ(Lookup(), "first");
  EXPECT_EQ(Lookup(), "first");
  Exec("UPDATE t SET v = 'second'");
  EXPECT_EQ(Lookup(), "second");
  EXPECT_EQ(Lookup(), "second");
  Exec("UPDATE t SET v = 'third'");
  EXPECT_EQ(Lookup(), "third");
  EXPECT_EQ(readers_->HeldIdleReaders(), 1);
}

TEST_F(LookupReadersTest, ALookupAfterACheckpointProgressedLetsTheCheckpointRestartTheWal) {
  Exec("UPDATE t SET v = 'second'");
  EXPECT_EQ(Lookup(), "second");  // held, with the WAL's frames in its snapshot
  int log = 0, done = 0;
  ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done), SQLITE_OK);
  ASSERT_GT(done, 0);
  EXPECT_FALSE(RestartCheckpoint());  // the held snapshot still reads from the WAL
  // The checkpoint's progress ends the held transaction: the new one reads the database
  // file only, which a restart does not wait for.
  EXPECT_EQ(Lookup(), "second");
  EXPECT_TRUE(RestartCheckpoint());
}

TEST_F(LookupReadersTest, IdleReadersEndTheirTransactionsAfterTheIdleTime) {
  EXPECT_EQ(Lookup(), "first");
  const Clock::time_point returned = Clock::now();
  // Not idle long enough: still held, and due at the end of the idle time.
  const Clock::time_point due = readers_->ReleaseIdle(returned - std::chrono::seconds(1));
  EXPECT_EQ(readers_->HeldIdleReaders(), 1);
  EXPECT_LE(due, returned + LookupReaders::kIdleRelease);
  EXPECT_EQ(readers_->ReleaseIdle(returned + LookupReaders::kIdleRelease), Clock::time_point::max());
  EXPECT_EQ(readers_->HeldIdleReaders(), 0);
  Exec("UPDATE t SET v = 'second'");
  EXPECT_TRUE(RestartCheckpoint());
}

// Real time, bounded: the background thread ends an idle reader's transaction by itself.
TEST_F(LookupReadersTest, TheBackgroundThreadEndsAnIdleReadersTransaction) {
  readers_ = std::make_unique<LookupReaders>(config_, kLookup);
  EXPECT_EQ(Lookup(), "first");
  ExpectTheThreadToEndIdleReadersThenUpdate("second");
  // And holds the next one again, until idle.
  EXPECT_EQ(Lookup(), "second");
  WaitUntilNoIdleReaderHolds();
  EXPECT_EQ(readers_->HeldIdleReaders(), 0);
}

// Real time, bounded: readers returned while the thread already waits for an earlier one's
// due time (so it is not woken for them) are ended by it too.
TEST_F(LookupReadersTest, TheBackgroundThreadEndsReadersReturnedWhileItWaits) {
  readers_ = std::make_unique<LookupReaders>(config_, kLookup);
  EXPECT_EQ(Lookup(), "first");  // wakes the thread, which then waits for this reader's due time
  {
    // Two leases at once: two readers, both returned holding.
    auto a = readers_->Acquire();
    auto b = readers_->Acquire();
    ASSERT_TRUE(a.ok() && b.ok());
    for (LookupReaders::Lease* lease : {&*a, &*b}) {
      lease->BeginRead();
      sqlite3_bind_int64(lease->statement(), 1, 1);
      ASSERT_EQ(sqlite3_step(lease->statement()), SQLITE_ROW);
    }
  }
  ExpectTheThreadToEndIdleReadersThenUpdate("second");
}

TEST_F(LookupReadersTest, AForkedChildReadsThroughItsOwnReadersAndLeavesTheParentsAlone) {
  // With its background thread, which lives on once started.
  readers_ = std::make_unique<LookupReaders>(config_, kLookup);
  EXPECT_EQ(Lookup(), "first");
  pid_t child = testing::ForkChild([&] {
    if (Lookup() != "first") return 3;
    sqlite3* own = nullptr;  // the parent's writer is not the child's to use
    if (sqlite3_open(config_.path.c_str(), &own) != SQLITE_OK) return 4;
    const int rc = sqlite3_exec(own, "UPDATE t SET v = 'child'", nullptr, nullptr, nullptr);
    sqlite3_close(own);
    if (rc != SQLITE_OK) return 5;
    if (Lookup() != "child") return 6;
    readers_.reset();  // must neither join the parent's thread nor close its connections
    return 0;
  });
  EXPECT_EQ(testing::WaitChild(child), 0);
  EXPECT_EQ(Lookup(), "child");
}

TEST_F(LookupReadersTest, ClosingWithHeldTransactionsEndsThem) {
  EXPECT_EQ(Lookup(), "first");
  readers_.reset();
  Exec("UPDATE t SET v = 'second'");
  EXPECT_TRUE(RestartCheckpoint());
}

}  // namespace
}  // namespace llmgate::internal
