#include "raw_counter.h"

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <utility>

#include "store/connection.h"
#include "store/db_config.h"

namespace llmgate::bench {
namespace {

// The library's default pragmas (those of quota.db); the benchmarks open their gates with
// default storage options too.
Result<std::unique_ptr<internal::Connection>> OpenWithLibraryPragmas(const std::string& path,
                                                                     const internal::Logger* logger) {
  return internal::Connection::Open(internal::DbConfigFromOptions(Options{}, path, logger));
}

}  // namespace

Status CreateRawCounterTable(const std::string& path) {
  internal::Logger logger;
  auto connection = OpenWithLibraryPragmas(path, &logger);
  if (!connection.ok()) return connection.status();
  const int rc = sqlite3_exec((*connection)->db().getHandle(),
                              "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
                              " WITHOUT ROWID",
                              nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return InternalError("creating the counters table in " + path + ": " + sqlite3_errstr(rc));
  return Status::Ok();
}

Result<std::unique_ptr<RawCounter>> RawCounter::Open(const std::string& path, const std::string& name) {
  std::unique_ptr<RawCounter> counter(new RawCounter());
  auto connection = OpenWithLibraryPragmas(path, &counter->logger_);
  if (!connection.ok()) return connection.status();
  counter->connection_ = std::move(connection).value();
  sqlite3* db = counter->connection_->db().getHandle();
  // The row's name is part of the SQL text, not a bound parameter: the statement is the
  // very one the recorded baseline figures ran.
  const std::string upsert = "INSERT INTO counters(name, value) VALUES('" + name +
                             "', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1";
  if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &counter->begin_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, upsert.c_str(), -1, &counter->upsert_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "COMMIT", -1, &counter->commit_, nullptr) != SQLITE_OK) {
    return InternalError("preparing the raw counter transaction on " + path + ": " + sqlite3_errmsg(db));
  }
  return counter;
}

RawCounter::~RawCounter() {
  sqlite3_finalize(begin_);
  sqlite3_finalize(upsert_);
  sqlite3_finalize(commit_);
}

bool RawCounter::Transaction() {
  bool ok = sqlite3_step(begin_) == SQLITE_DONE;
  sqlite3_reset(begin_);
  ok = ok && sqlite3_step(upsert_) == SQLITE_DONE;
  sqlite3_reset(upsert_);
  ok = ok && sqlite3_step(commit_) == SQLITE_DONE;
  sqlite3_reset(commit_);
  if (!ok) {
    sqlite3* db = connection_->db().getHandle();
    error_ = sqlite3_errmsg(db);
    // Ends a transaction the failure left open; fails harmlessly when there is none.
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  // On SQLite releases with the WAL-reset bug automatic checkpoints are off and the library
  // checkpoints after commits; the baseline does the same, or its WAL would grow without
  // bound and it would not measure the same work.
  connection_->AfterCommit();
  return true;
}

}  // namespace llmgate::bench
