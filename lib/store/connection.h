// One SQLite connection of the state directory, with its pragmas, its prepared
// statements and the WAL checkpoint policy. A connection is used by one thread at a time
// (the pool hands it out) and never across fork(): see ConnectionPool.
#ifndef LLMGATE_LIB_STORE_CONNECTION_H_
#define LLMGATE_LIB_STORE_CONNECTION_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "llmgate/status.h"
#include "store/db_config.h"

struct sqlite3;

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace llmgate::internal {

class Connection {
 public:
  // Opens the file (creating it with config.file_mode) and applies the pragmas.
  static Result<std::unique_ptr<Connection>> Open(const DbConfig& config);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  SQLite::Database& db() { return *db_; }

  // A statement prepared on first use and reused after: `sql` must be a string with
  // static storage (its address is the cache key). The statement comes back reset.
  SQLite::Statement& Prepared(const char* sql);

  // Prepared() wrapped so that the statement is reset when the scope ends: a statement
  // left unreset keeps its read transaction open and holds back checkpoints.
  class ScopedStatement Use(const char* sql);

  // Runs a statement that returns no rows (prepared and reused like Prepared()).
  void Exec(const char* sql);

  // Called after every commit: in manual-checkpoint mode, checkpoints when the WAL has
  // grown past the threshold and no other process is checkpointing. Never throws.
  void AfterCommit();

  // Both modes block writers for the whole checkpoint (the WAL-reset bug allows no other).
  enum class CheckpointMode {
    kRestart,   // the next writer starts over at the beginning of the WAL file and reuses it
    kTruncate,  // also empties the file: for explicit requests (vacuum), not routine ones
  };

  // Checkpoints now, one process at a time (waiting for one that is checkpointing).
  // Returns false when the checkpoint could not finish (readers kept it from the end).
  bool Checkpoint(CheckpointMode mode = CheckpointMode::kTruncate);

  // ForkEpoch() of the process that opened it.
  uint64_t owner_epoch() const { return owner_epoch_; }
  const DbConfig& config() const { return config_; }

 private:
  explicit Connection(const DbConfig& config);
  static Result<std::unique_ptr<Connection>> OpenOnce(const DbConfig& config);
  static int OnWalCommit(void* self, ::sqlite3* db, const char* name, int pages);
  static int OnBusy(void* self, int attempt);
  // Takes the checkpoint lock (flock on <db>-ckpt.lock); *waited: another process held it.
  bool LockCheckpoints(bool* waited);
  // Checkpoints with the lock held, and releases it.
  bool RunCheckpoint(CheckpointMode mode);

  DbConfig config_;
  uint64_t owner_epoch_;
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
  int wal_pages_ = 0;           // WAL size after the last commit (set by the WAL hook)
  int checkpoint_lock_fd_ = -1;  // flock()ed so that one process checkpoints at a time
  int64_t busy_started_us_ = 0;  // when the current busy wait began
};

class ScopedStatement {
 public:
  explicit ScopedStatement(SQLite::Statement& st) : st_(&st) {}
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;
  ~ScopedStatement();
  SQLite::Statement* operator->() { return st_; }
  SQLite::Statement& operator*() { return *st_; }

 private:
  SQLite::Statement* st_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted. Throws
// SQLite::Exception like the statements it wraps.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& connection);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void Commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

// A read transaction (BEGIN DEFERRED) for reads that must see one snapshot.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& connection);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  Connection& connection_;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_STORE_CONNECTION_H_
