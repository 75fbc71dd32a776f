// The SQLite shell: where the state lives, file modes, filesystem checks, fork safety and
// the manual checkpoints that keep the WAL bounded.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "llmgate/llmgate.h"
#include "store/connection.h"
#include "store/connection_pool.h"
#include "store/db_config.h"
#include "store/state_dir.h"
#include "testing/fork.h"
#include "testing/temp_dir.h"
#include "util/fork_epoch.h"

namespace llmgate {
namespace {

using testing::TempDir;

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(StateDirTest, ResolvesOptionThenEnvironmentThenXdgThenHome) {
  ScopedEnv dir("LLMGATE_DIR", "/srv/llmgate");
  ScopedEnv xdg("XDG_STATE_HOME", "/home/u/.state");
  ScopedEnv home("HOME", "/home/u");
  EXPECT_EQ(*internal::ResolveStateDir("/explicit"), "/explicit");
  EXPECT_EQ(*internal::ResolveStateDir(""), "/srv/llmgate");
  {
    ScopedEnv unset("LLMGATE_DIR", nullptr);
    EXPECT_EQ(*internal::ResolveStateDir(""), "/home/u/.state/llmgate");
    ScopedEnv unset_xdg("XDG_STATE_HOME", nullptr);
    EXPECT_EQ(*internal::ResolveStateDir(""), "/home/u/.local/state/llmgate");
    ScopedEnv unset_home("HOME", nullptr);
    EXPECT_EQ(internal::ResolveStateDir("").status().code(), StatusCode::kFailedPrecondition);
  }
}

TEST(StateDirTest, GateCreatesTheDirectoryAndPrivateFiles) {
  TempDir tmp;
  Options options;
  options.state_dir = tmp.File("a/b/state");
  auto gate = Gate::Open(options);
  ASSERT_TRUE(gate.ok()) << gate.status().ToString();
  EXPECT_EQ((*gate)->state_dir(), options.state_dir);
  struct stat st;
  ASSERT_EQ(::stat(options.state_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const char* file : {"/cache.db", "/cache.db-wal"}) {
    ASSERT_EQ(::stat((options.state_dir + file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
}

TEST(StateDirTest, GroupSharedModeWhateverTheUmask) {
  TempDir tmp;
  mode_t old = ::umask(022);
  Options options;
  options.state_dir = tmp.File("shared");
  options.share_with_group = true;
  auto gate = Gate::Open(options);
  ::umask(old);
  ASSERT_TRUE(gate.ok()) << gate.status().ToString();
  struct stat st;
  ASSERT_EQ(::stat(options.state_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0770u);
  ASSERT_EQ(::stat((options.state_dir + "/cache.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST(StateDirTest, NetworkFilesystemsAreRecognizedAndLocalOnesAccepted) {
  EXPECT_TRUE(internal::IsNetworkFilesystemType(0x6969));      // NFS
  EXPECT_TRUE(internal::IsNetworkFilesystemType(0xFF534D42));  // CIFS
  EXPECT_TRUE(internal::IsNetworkFilesystemType(0xFE534D42));  // SMB2
  EXPECT_TRUE(internal::IsNetworkFilesystemType(0x65735546));  // FUSE (sshfs)
  EXPECT_FALSE(internal::IsNetworkFilesystemType(0xEF53));     // ext4
  EXPECT_FALSE(internal::IsNetworkFilesystemType(0x01021994)); // tmpfs
  EXPECT_FALSE(internal::IsNetworkFilesystemType(0x58465342)); // xfs
  EXPECT_FALSE(internal::IsNetworkFilesystemType(0x9123683E)); // btrfs
  TempDir tmp;
  EXPECT_TRUE(internal::CheckLocalFilesystem(tmp.path()).ok());
}

TEST(ManualCheckpointTest, OnlyReleasesWithTheWalResetBugNeedIt) {
  // Debian bookworm ships 3.40.1, which has the bug; a fixed release would not.
  EXPECT_EQ(internal::SqliteHasWalResetBug(), sqlite3_libversion_number() < 3051003);
  Options forced;
  forced.force_manual_checkpoint = true;
  EXPECT_TRUE(internal::DbConfigFromOptions(forced, "x", nullptr).manual_checkpoint);
  Options plain;
  EXPECT_EQ(internal::DbConfigFromOptions(plain, "x", nullptr).manual_checkpoint,
            internal::SqliteHasWalResetBug());
}

TEST(ManualCheckpointTest, ConnectionsDoNotAutoCheckpointInManualMode) {
  TempDir tmp;
  internal::Logger logger;
  internal::DbConfig config;
  config.path = tmp.File("t.db");
  config.manual_checkpoint = true;
  config.checkpoint_pages = 1'000'000;  // never reached here
  config.logger = &logger;
  auto c = internal::Connection::Open(config);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  (*c)->db().exec("CREATE TABLE t(x BLOB)");
  for (int i = 0; i < 300; ++i) (*c)->db().exec("INSERT INTO t VALUES(zeroblob(8000))");
  // SQLite's default would have checkpointed (and restarted the WAL) at 1000 pages.
  EXPECT_GT(std::filesystem::file_size(tmp.File("t.db-wal")), 4'000'000u);
  EXPECT_TRUE((*c)->Checkpoint());
  EXPECT_EQ(std::filesystem::file_size(tmp.File("t.db-wal")), 0u);
}

// t.db in manual-checkpoint mode with a small threshold (100 pages of 4 KiB), one table to
// write to, and its WAL file.
class SmallWalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    internal::DbConfig config;
    config.path = tmp_.File("t.db");
    config.manual_checkpoint = true;
    config.checkpoint_pages = 100;
    config.logger = &logger_;
    auto c = internal::Connection::Open(config);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    db_ = std::move(c).value();
    db_->db().exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  }

  void CommitRows(int rows, int bytes) {
    internal::WriteTransaction tx(*db_);
    SQLite::Statement& ins = db_->Prepared("INSERT INTO t(v) VALUES(zeroblob(?1))");
    for (int i = 0; i < rows; ++i) {
      ins.bind(1, bytes);
      ins.exec();
      ins.reset();
    }
    tx.Commit();
  }

  uintmax_t WalSize() const { return std::filesystem::file_size(tmp_.File("t.db-wal")); }
  int Rows() { return db_->db().execAndGet("SELECT count(*) FROM t").getInt(); }

  TempDir tmp_;
  internal::Logger logger_;
  std::unique_ptr<internal::Connection> db_;
};

TEST_F(SmallWalTest, RoutineCheckpointsReuseTheWalFileInsteadOfTruncatingIt) {
  uintmax_t last = 0, largest = 0;
  for (int i = 0; i < 400; ++i) {
    CommitRows(1, 3000);
    const uintmax_t size = WalSize();
    // A truncating checkpoint would drop the file to nothing and make writers allocate it
    // again; a restarting one leaves it for the next writer to overwrite.
    ASSERT_GE(size, last) << "the WAL file shrank after commit " << i;
    last = size;
    largest = std::max(largest, size);
  }
  // 400 commits of one page and more would be over 1.6 MB of WAL without checkpoints.
  EXPECT_LE(largest, uintmax_t{(100 + 8) * (4096 + 24)});
  EXPECT_EQ(Rows(), 400);
}

TEST_F(SmallWalTest, ALargeTransactionDoesNotLeaveALargeWalFileBehind) {
  const uintmax_t limit = 2 * 100 * (4096 + 24);  // twice the threshold
  CommitRows(500, 6000);  // about 1000 pages in one transaction
  EXPECT_GT(WalSize(), 2 * limit);
  CommitRows(1, 100);  // the first commit after the restart cuts the file back
  EXPECT_LE(WalSize(), limit);
  EXPECT_EQ(Rows(), 501);
}

// Several processes write for a while; the process whose commit finds the WAL past the
// threshold checkpoints, one at a time, so the WAL never grows without bound.
TEST(ManualCheckpointTest, WalStaysBoundedDuringALongMultiProcessWriteRun) {
  TempDir tmp;
  const int64_t kThresholdPages = 200;
  auto open_config = [&] {
    internal::DbConfig config;
    config.path = tmp.File("w.db");
    config.manual_checkpoint = true;
    config.checkpoint_pages = kThresholdPages;
    return config;
  };
  {
    internal::Logger logger;
    auto config = open_config();
    config.logger = &logger;
    auto c = internal::Connection::Open(config);
    ASSERT_TRUE(c.ok());
    (*c)->db().exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  }
  const std::vector<pid_t> writers = testing::ForkChildren(4, [&](int child) {
    internal::Logger logger;
    auto config = open_config();
    config.logger = &logger;
    auto c = internal::Connection::Open(config);
    if (!c.ok()) return 1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
    int64_t id = child * 10'000'000;
    while (std::chrono::steady_clock::now() < deadline) {
      internal::WriteTransaction tx(**c);
      SQLite::Statement& ins = (*c)->Prepared("INSERT OR REPLACE INTO t VALUES(?1 % 2000 + ?2, zeroblob(3000))");
      ins.bind(1, ++id);
      ins.bind(2, int64_t{child} * 10'000'000);
      ins.exec();
      tx.Commit();
    }
    return 0;
  });
  // Started only once every writer is forked: a child must not inherit a lock this thread
  // held at the fork (an allocator's, under the sanitizers, which do not guard fork()).
  std::atomic<bool> stop{false};
  std::atomic<uintmax_t> max_wal{0};
  std::thread monitor([&] {
    while (!stop) {
      std::error_code ec;
      uintmax_t size = std::filesystem::file_size(tmp.File("w.db-wal"), ec);
      if (!ec && size > max_wal) max_wal = size;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const std::vector<int> codes = testing::WaitChildren(writers);
  stop = true;
  monitor.join();
  for (int code : codes) EXPECT_EQ(code, 0);
  // Each process may commit once more while another checkpoints; 4 KiB pages, 32-byte
  // frame headers. Without checkpoints this run writes hundreds of megabytes of WAL.
  const uintmax_t bound = (kThresholdPages + 4 * 8) * (4096 + 32) * 2;
  EXPECT_GT(max_wal.load(), 0u);
  RecordProperty("max_wal_bytes", std::to_string(max_wal.load()));
  EXPECT_LE(max_wal.load(), bound);
}

TEST(ForkSafetyTest, AChildOpensItsOwnConnectionAndTheParentKeepsWorking) {
  TempDir tmp;
  Options options;
  options.state_dir = tmp.path();
  auto gate = Gate::Open(options);
  ASSERT_TRUE(gate.ok());
  Cache& cache = (*gate)->cache();
  const std::string req = R"({"model":"m","messages":[]})";
  ASSERT_TRUE(cache.Put("/chat/completions", req, R"({"v":"parent"})").ok());

  pid_t child = testing::ForkChild([&] {
    // The same Gate object, inherited: it must not touch the parent's connections.
    auto hit = cache.Get("/chat/completions", req);
    if (!hit.ok() || !hit->has_value()) return 2;
    const std::string child_req = R"({"model":"m","messages":[{"role":"user","content":"child"}]})";
    if (!cache.Put("/chat/completions", child_req, R"({"v":"child"})").ok()) return 3;
    return 0;
  });
  EXPECT_EQ(testing::WaitChild(child), 0);
  auto child_entry = cache.Get("/chat/completions", R"({"model":"m","messages":[{"role":"user","content":"child"}]})");
  ASSERT_TRUE(child_entry.ok()) << child_entry.status().ToString();
  ASSERT_TRUE(child_entry->has_value());
  EXPECT_EQ(**child_entry, R"({"v":"child"})");
  EXPECT_TRUE(cache.Put("/chat/completions", req, R"({"v":"parent again"})").ok());
  EXPECT_EQ(**cache.Get("/chat/completions", req), R"({"v":"parent again"})");
}

TEST(ForkSafetyTest, PoolInAChildNeverReusesTheParentsConnection) {
  TempDir tmp;
  internal::Logger logger;
  internal::DbConfig config;
  config.path = tmp.File("p.db");
  config.logger = &logger;
  internal::ConnectionPool pool(config);
  internal::Connection* parents = nullptr;
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    parents = &**lease;
  }
  pid_t child = testing::ForkChild([&] {
    auto lease = pool.Acquire();
    if (!lease.ok()) return 2;
    if (&**lease == parents) return 3;
    if ((*lease)->owner_epoch() != internal::ForkEpoch()) return 4;  // opened by the child
    return 0;
  });
  EXPECT_EQ(testing::WaitChild(child), 0);
  auto again = pool.Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(&**again, parents);
}

}  // namespace
}  // namespace llmgate
