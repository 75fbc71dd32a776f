#include "store/connection.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "store/sqlite_status.h"
#include "store/state_dir.h"
#include "util/fork_epoch.h"

namespace llmgate::internal {
namespace {

constexpr int64_t kWalFrameHeader = 24;  // bytes before each page in the WAL file

int64_t MonotonicMicros() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace

Connection::Connection(const DbConfig& config) : config_(config), owner_epoch_(ForkEpoch()) {}

Connection::~Connection() {
  statements_.clear();  // statements must be finalized before the database closes
  db_.reset();
  if (checkpoint_lock_fd_ >= 0) ::close(checkpoint_lock_fd_);
}

Result<std::unique_ptr<Connection>> Connection::Open(const DbConfig& config) {
  if (Status s = CreateFileWithMode(config.path, config.file_mode); !s.ok()) return s;
  // While another process switches a new file to WAL, SQLite reports "busy" at once,
  // without calling the busy handler: retry the whole open within the busy timeout.
  const int64_t deadline = MonotonicMicros() + config.busy_timeout.count() * 1000;
  for (int attempt = 0;; ++attempt) {
    Result<std::unique_ptr<Connection>> c = OpenOnce(config);
    if (c.ok() || c.status().code() != StatusCode::kUnavailable || MonotonicMicros() >= deadline ||
        c.status().message().find("busy") == std::string::npos) {
      return c;
    }
    timespec ts{0, static_cast<long>(std::min(attempt + 1, 20) * 500'000)};
    nanosleep(&ts, nullptr);
  }
}

Result<std::unique_ptr<Connection>> Connection::OpenOnce(const DbConfig& config) {
  std::unique_ptr<Connection> c(new Connection(config));
  try {
    // NOMUTEX: the pool guarantees one thread at a time per connection.
    c->db_ = std::make_unique<SQLite::Database>(
        config.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX);
    sqlite3* h = c->db_->getHandle();
    // A short-sleep busy handler instead of SQLite's 1..100 ms ladder: contention between
    // processes lasts microseconds, and long sleeps would dominate tail latency.
    sqlite3_busy_handler(h, &Connection::OnBusy, c.get());
    sqlite3_extended_result_codes(h, 1);
    // Only takes effect on a new, empty file, and must come before WAL mode is set.
    if (config.page_size > 0) c->db_->exec("PRAGMA page_size=" + std::to_string(config.page_size));
    c->db_->exec("PRAGMA journal_mode=WAL");
    c->db_->exec(config.sync == SyncMode::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    c->db_->exec("PRAGMA temp_store=MEMORY");
    if (config.mmap_bytes > 0) c->db_->exec("PRAGMA mmap_size=" + std::to_string(config.mmap_bytes));
    if (config.max_page_count > 0) {
      c->db_->exec("PRAGMA max_page_count=" + std::to_string(config.max_page_count));
    }
    if (config.manual_checkpoint) {
      // No connection may checkpoint on its own (WAL-reset bug): we do it in AfterCommit().
      sqlite3_wal_autocheckpoint(h, 0);
      sqlite3_wal_hook(h, &Connection::OnWalCommit, c.get());
      // Routine checkpoints restart the WAL rather than truncate it, so writers overwrite
      // blocks the file already has instead of allocating them again after every checkpoint
      // (a third of a cache store's time went to that). One unusually large transaction
      // must not leave a large file behind: the first commit after a restart cuts the file
      // back to twice the threshold.
      const int64_t page_size = c->db_->execAndGet("PRAGMA page_size").getInt64();
      const int64_t wal_limit = 2 * config.checkpoint_pages * (page_size + kWalFrameHeader);
      c->db_->exec("PRAGMA journal_size_limit=" + std::to_string(wal_limit));
    }
  } catch (const std::exception& e) {
    return StatusFromException(e, "opening " + config.path);
  }
  return c;
}

int Connection::OnBusy(void* self, int attempt) {
  auto* c = static_cast<Connection*>(self);
  int64_t now = MonotonicMicros();
  if (attempt == 0) c->busy_started_us_ = now;
  int64_t budget = std::chrono::duration_cast<std::chrono::microseconds>(c->config_.busy_timeout).count();
  if (now - c->busy_started_us_ >= budget) return 0;  // give up: SQLITE_BUSY
  // 20 us doubling to a 1 ms cap, with a little per-process spread so that processes
  // that collided once do not collide again in lockstep.
  int64_t sleep_us = std::min<int64_t>(int64_t{20} << std::min(attempt, 6), 1000);
  sleep_us += (::getpid() + attempt * 7919) % 17;
  timespec ts{0, static_cast<long>(sleep_us * 1000)};
  nanosleep(&ts, nullptr);
  return 1;
}

int Connection::OnWalCommit(void* self, sqlite3*, const char*, int pages) {
  static_cast<Connection*>(self)->wal_pages_ = pages;
  return SQLITE_OK;
}

SQLite::Statement& Connection::Prepared(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  } else {
    it->second->tryReset();
  }
  return *it->second;
}

ScopedStatement Connection::Use(const char* sql) { return ScopedStatement(Prepared(sql)); }

ScopedStatement::~ScopedStatement() { st_->tryReset(); }

void Connection::Exec(const char* sql) {
  SQLite::Statement& st = Prepared(sql);
  while (st.executeStep()) {
  }
  st.tryReset();
}

void Connection::AfterCommit() {
  if (!config_.manual_checkpoint || wal_pages_ < config_.checkpoint_pages) return;
  bool waited = false;
  if (!LockCheckpoints(&waited)) return;
  if (waited) {
    // Another process has just checkpointed: writing on while it did so would have grown
    // the WAL. Should its checkpoint not have finished, the next commit past the threshold,
    // in any process, tries again (the WAL hook reports the whole WAL's size).
    ::flock(checkpoint_lock_fd_, LOCK_UN);
    wal_pages_ = 0;
    return;
  }
  RunCheckpoint(CheckpointMode::kRestart);
}

bool Connection::LockCheckpoints(bool* waited) {
  if (checkpoint_lock_fd_ < 0) {
    std::string lock_path = config_.path + "-ckpt.lock";
    checkpoint_lock_fd_ = OpenCreatingWithMode(lock_path, config_.file_mode);
    if (checkpoint_lock_fd_ < 0) return false;
  }
  *waited = false;
  if (::flock(checkpoint_lock_fd_, LOCK_EX | LOCK_NB) == 0) return true;
  // Wait rather than write on: a checkpoint that competes for the write lock with writers
  // that keep committing could be starved while the WAL grows.
  *waited = true;
  return ::flock(checkpoint_lock_fd_, LOCK_EX) == 0;
}

bool Connection::Checkpoint(CheckpointMode mode) {
  bool waited = false;
  if (!LockCheckpoints(&waited)) return false;
  return RunCheckpoint(mode);
}

bool Connection::RunCheckpoint(CheckpointMode mode) {
  int log_pages = 0, done_pages = 0;
  const int sqlite_mode = mode == CheckpointMode::kTruncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_RESTART;
  int rc = sqlite3_wal_checkpoint_v2(db_->getHandle(), nullptr, sqlite_mode, &log_pages, &done_pages);
  ::flock(checkpoint_lock_fd_, LOCK_UN);
  if (rc == SQLITE_OK) {
    wal_pages_ = 0;
    return true;
  }
  if (config_.logger) {
    config_.logger->Debug("checkpoint of ", config_.path, " did not finish: ", sqlite3_errstr(rc));
  }
  return false;
}

WriteTransaction::WriteTransaction(Connection& connection) : connection_(connection) {
  connection_.Exec("BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    connection_.Exec("ROLLBACK");
  } catch (...) {
    // The transaction may already be gone (SQLite rolls back on some errors).
  }
}

void WriteTransaction::Commit() {
  connection_.Exec("COMMIT");
  done_ = true;
  connection_.AfterCommit();
}

ReadTransaction::ReadTransaction(Connection& connection) : connection_(connection) {
  connection_.Exec("BEGIN");
}

ReadTransaction::~ReadTransaction() {
  try {
    connection_.Exec("COMMIT");
  } catch (...) {
  }
}

}  // namespace llmgate::internal
