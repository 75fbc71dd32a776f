#include "cache/lookup_readers.h"

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <string>
#include <utility>

#include "util/fork_epoch.h"
#include "store/sqlite_status.h"

namespace llmgate::internal {

struct LookupReaders::Reader {
  std::unique_ptr<Connection> connection;
  sqlite3_stmt* statement = nullptr;
  uint64_t epoch = 0;  // ForkEpoch() of the process that opened it

  Reader() = default;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader() {
    if (epoch != ForkEpoch()) {
      // Opened by the parent: finalizing or closing here could disturb the parent's file
      // state (SQLite forbids using a connection across fork()), so it is leaked.
      (void)connection.release();
      return;
    }
    sqlite3_finalize(statement);  // before the connection closes
  }
};

LookupReaders::LookupReaders(DbConfig config, const char* sql) : config_(std::move(config)), sql_(sql) {}

LookupReaders::~LookupReaders() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

LookupReaders::Lease::Lease(LookupReaders* owner, std::unique_ptr<Reader> reader, uint64_t generation)
    : owner_(owner), reader_(std::move(reader)), generation_(generation) {}

LookupReaders::Lease::Lease(Lease&&) noexcept = default;

void LookupReaders::Lease::Discard() { reader_.reset(); }

LookupReaders::Lease::~Lease() {
  if (!reader_) return;
  sqlite3_reset(reader_->statement);  // ends the read transaction, so checkpoints can proceed
  owner_->Return(std::move(reader_), generation_);
}

sqlite3_stmt* LookupReaders::Lease::statement() const { return reader_->statement; }

Connection& LookupReaders::Lease::connection() const { return *reader_->connection; }

void LookupReaders::AbandonInheritedLocked() {
  for (auto& reader : idle_) (void)reader.release();  // deliberately leaked: the parent's
  idle_.clear();
  ++generation_;  // leases still out belong to the parent's threads
}

Result<LookupReaders::Lease> LookupReaders::Acquire() {
  const uint64_t epoch = ForkEpoch();
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!epoch_set_ || epoch_ != epoch) {
      if (epoch_set_) AbandonInheritedLocked();
      epoch_ = epoch;
      epoch_set_ = true;
    }
    generation = generation_;
    if (!idle_.empty()) {
      std::unique_ptr<Reader> reader = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(reader), generation);
    }
  }
  Result<std::unique_ptr<Connection>> opened = Connection::Open(config_);
  if (!opened.ok()) return opened.status();
  auto reader = std::make_unique<Reader>();
  reader->epoch = epoch;
  reader->connection = std::move(opened).value();
  sqlite3* db = reader->connection->db().getHandle();
  const int rc = sqlite3_prepare_v3(db, sql_, -1, SQLITE_PREPARE_PERSISTENT, &reader->statement, nullptr);
  if (rc != SQLITE_OK) {
    return StatusFromSqlite(sqlite3_extended_errcode(db), "cache lookup: preparing the statement", sqlite3_errmsg(db));
  }
  return Lease(this, std::move(reader), generation);
}

void LookupReaders::Return(std::unique_ptr<Reader> reader, uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reader->epoch != epoch_ || generation != generation_) return;  // stale: closed (or leaked) here
  idle_.push_back(std::move(reader));
}

void LookupReaders::CloseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (epoch_set_ && epoch_ != ForkEpoch()) {
    AbandonInheritedLocked();
    epoch_set_ = false;
    return;
  }
  idle_.clear();
  ++generation_;
}

}  // namespace llmgate::internal
