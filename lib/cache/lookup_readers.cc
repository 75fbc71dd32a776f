#include "cache/lookup_readers.h"

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <utility>

#include "store/sqlite_status.h"
#include "store/wal_index_watch.h"
#include "util/fork_epoch.h"

namespace llmgate::internal {
namespace {

using Clock = std::chrono::steady_clock;

sqlite3_stmt* Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) return nullptr;
  return statement;
}

}  // namespace

struct LookupReaders::Reader {
  std::unique_ptr<Connection> connection;
  sqlite3_stmt* statement = nullptr;
  sqlite3_stmt* begin = nullptr;   // BEGIN: a read transaction that outlasts one lookup
  sqlite3_stmt* commit = nullptr;  // COMMIT: its end
  uint64_t epoch = 0;              // ForkEpoch() of the process that opened it
  WalIndexWatch wal;               // attached when changes can be watched, else never held
  WalIndexWatch::Mark mark{};      // the wal-index before the held transaction began
  bool holding = false;
  TimePoint held_since{};
  TimePoint returned_at{};

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
    // Before the connection closes, which ends a held read transaction.
    sqlite3_finalize(statement);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
  }

  sqlite3* db() const { return connection->db().getHandle(); }

  void EndHeld() {
    if (!holding) return;
    holding = false;
    const int rc = sqlite3_step(commit);
    sqlite3_reset(commit);
    if (rc != SQLITE_DONE && !sqlite3_get_autocommit(db())) sqlite3_exec(db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
};

LookupReaders::LookupReaders(DbConfig config, const char* sql, IdleRelease idle_release)
    : config_(std::move(config)),
      sql_(sql),
      idle_release_(idle_release),
      releaser_("llmgate-cache", [this](TimePoint now) { return ReleaseIdle(now); }) {}

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
  sqlite3_reset(reader_->statement);  // ends the read transaction unless it is held
  if (reader_->holding) reader_->returned_at = Clock::now();
  owner_->Return(std::move(reader_), generation_);
}

void LookupReaders::Lease::BeginRead() {
  Reader& r = *reader_;
  if (r.holding) {
    if (r.returned_at - r.held_since < kMaxHold && !r.wal.ChangedSince(r.mark)) return;
    r.EndHeld();
  }
  // The wal-index is read before the transaction takes its snapshot (at the lookup's first
  // step): a commit in between makes the next lookup begin again, never read stale data.
  if (!r.wal.Read(&r.mark)) return;  // this lookup reads in a transaction of its own
  if (sqlite3_step(r.begin) == SQLITE_DONE) {
    r.holding = true;
    r.held_since = Clock::now();
  }
  sqlite3_reset(r.begin);
}

void LookupReaders::Lease::EndRead() {
  if (reader_) reader_->EndHeld();
}

sqlite3_stmt* LookupReaders::Lease::statement() const { return reader_->statement; }

Connection& LookupReaders::Lease::connection() const { return *reader_->connection; }

void LookupReaders::AbandonInheritedLocked() {
  for (auto& reader : idle_) (void)reader.release();  // deliberately leaked: the parent's
  idle_.clear();
  ++generation_;  // leases still out belong to the parent's threads
  release_due_ = TimePoint::max();  // the parent's thread: this process has none yet
}

bool LookupReaders::InheritedLocked() const { return epoch_ && *epoch_ != ForkEpoch(); }

Result<LookupReaders::Lease> LookupReaders::Acquire() {
  const uint64_t epoch = ForkEpoch();
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (epoch_ != epoch) {
      if (epoch_) AbandonInheritedLocked();
      epoch_ = epoch;
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
  sqlite3* db = reader->db();
  reader->statement = Prepare(db, sql_);
  if (reader->statement == nullptr) {
    return StatusFromSqlite(sqlite3_extended_errcode(db), "cache lookup: preparing the statement", sqlite3_errmsg(db));
  }
  reader->begin = Prepare(db, "BEGIN");
  reader->commit = Prepare(db, "COMMIT");
  // Without its statements or its wal-index, the reader simply never holds a transaction.
  if (reader->begin != nullptr && reader->commit != nullptr) reader->wal.Attach(db);
  return Lease(this, std::move(reader), generation);
}

void LookupReaders::Return(std::unique_ptr<Reader> reader, uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (epoch_ != reader->epoch || generation != generation_) return;  // stale: closed (or leaked) here
  const bool held = reader->holding;
  idle_.push_back(std::move(reader));
  if (!held || idle_release_ == IdleRelease::kByCaller) return;
  // The thread already runs by then, and ends this reader too when it is due: waking it on
  // every hit would take its two mutexes for nothing.
  if (release_due_ != TimePoint::max()) return;
  std::string error;
  if (releaser_.Wake(&error)) return;
  // No thread to end it later: no transaction may stay held.
  ReleaseIdleLocked(TimePoint::max());
  if (config_.logger) config_.logger->Debug("cache lookups: no background thread: ", error);
}

LookupReaders::TimePoint LookupReaders::ReleaseIdle(TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  release_due_ = ReleaseIdleLocked(now);
  return release_due_;
}

LookupReaders::TimePoint LookupReaders::ReleaseIdleLocked(TimePoint now) {
  TimePoint next = TimePoint::max();
  if (InheritedLocked()) return next;
  for (const auto& reader : idle_) {
    if (!reader->holding) continue;
    const TimePoint due = reader->returned_at + kIdleRelease;
    if (now >= due) {
      reader->EndHeld();
    } else {
      next = std::min(next, due);
    }
  }
  return next;
}

int LookupReaders::HeldIdleReaders() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::count_if(idle_.begin(), idle_.end(), [](const auto& r) { return r->holding; }));
}

void LookupReaders::CloseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (InheritedLocked()) {
    AbandonInheritedLocked();
    epoch_.reset();
    return;
  }
  idle_.clear();
  ++generation_;
}

}  // namespace llmgate::internal
