#include "cache/sqlite_cache_backend.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "cache/cache_counters.h"
#include "store/schema.h"
#include "store/sqlite_status.h"
#include "store/state_dir.h"

namespace llmgate::internal {
namespace {

constexpr int32_t kCacheApplicationId = 0x4C4C4743;  // "LLGC"

// The hash is split in two signed 64-bit integers because SQLite integers are signed.
int64_t AsInt64(uint64_t v) { return static_cast<int64_t>(v); }

const char kLookup[] =
    "SELECT key_high, request, response, expires_at, total_tokens FROM entries WHERE id = ?1";
const char kOldBytes[] = "SELECT bytes FROM entries WHERE id=?1";
const char kInsert[] =
    "INSERT OR REPLACE INTO entries(id, key_high, namespace, request, response, total_tokens, bytes,"
    " created_at, expires_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const char kInsertAccess[] = "INSERT OR REPLACE INTO access(id, last_access) VALUES(?1, ?2)";
const char kAddStat[] = "UPDATE stats SET value = value + ?2 WHERE name = ?1";
const char kSetStat[] = "UPDATE stats SET value = ?2 WHERE name = ?1";
const char kReadStat[] = "SELECT value FROM stats WHERE name = ?1";
const char kAllStats[] = "SELECT name, value FROM stats";
const char kDeleteExpired[] = "DELETE FROM entries WHERE expires_at > 0 AND expires_at <= ?1 RETURNING bytes";
// No index on last_access: every recorded access would then rewrite index pages too,
// doubling what a flush writes. Eviction scans instead, and evicts 5 % below the cap so
// that scans are rare.
const char kOldest[] =
    "SELECT a.id, e.bytes FROM access a JOIN entries e ON e.id = a.id ORDER BY a.last_access LIMIT 256";
const char kDeleteId[] = "DELETE FROM entries WHERE id = ?1";
const char kRemove[] = "DELETE FROM entries WHERE id = ?1 AND key_high = ?2 AND request = ?3 RETURNING bytes";
const char kPurgeNamespace[] = "DELETE FROM entries WHERE namespace = ?1 RETURNING bytes";
const char kCountAll[] = "SELECT count(*), total(bytes) FROM entries";
// Access rows go first, in one truncation, so the delete trigger finds nothing to do.
const char kPurgeAllAccess[] = "DELETE FROM access";
const char kPurgeAll[] = "DELETE FROM entries";
const char kTouch[] = "UPDATE access SET last_access = max(last_access, ?2) WHERE id = ?1";

int64_t ReadStat(Connection& c, const char* name) {
  ScopedStatement st = c.Use(kReadStat);
  st->bind(1, name);
  return st->executeStep() ? st->getColumn(0).getInt64() : 0;
}

void AddStat(Connection& c, const char* name, int64_t delta) {
  if (delta == 0) return;
  ScopedStatement st = c.Use(kAddStat);
  st->bind(1, name);
  st->bind(2, delta);
  st->exec();
}

// Runs a DELETE ... RETURNING bytes; returns (rows, bytes).
std::pair<int64_t, int64_t> DeleteReturningBytes(ScopedStatement& st) {
  int64_t rows = 0, bytes = 0;
  while (st->executeStep()) {
    ++rows;
    bytes += st->getColumn(0).getInt64();
  }
  return {rows, bytes};
}

// Entries and bytes counters follow every insert and delete in the same transaction, so
// stats and the size cap never need a scan.
void AccountRemoval(Connection& c, std::pair<int64_t, int64_t> removed, const char* reason) {
  AddStat(c, "entries", -removed.first);
  AddStat(c, "bytes", -removed.second);
  if (reason) AddStat(c, reason, removed.first);
}

void EvictToFit(Connection& c, int64_t now_us, int64_t max_bytes, int64_t keep_id) {
  int64_t bytes = ReadStat(c, "bytes");
  if (bytes <= max_bytes) return;
  const int64_t target = max_bytes - max_bytes / 20;
  ScopedStatement expired = c.Use(kDeleteExpired);
  expired->bind(1, now_us);
  auto gone = DeleteReturningBytes(expired);
  AccountRemoval(c, gone, "expirations");
  bytes -= gone.second;
  while (bytes > target) {
    std::vector<std::pair<int64_t, int64_t>> victims;
    ScopedStatement oldest = c.Use(kOldest);
    while (oldest->executeStep()) {
      int64_t id = oldest->getColumn(0).getInt64();
      if (id != keep_id) victims.emplace_back(id, oldest->getColumn(1).getInt64());
    }
    oldest->tryReset();
    if (victims.empty()) return;
    for (const auto& [id, size] : victims) {
      if (bytes <= target) break;
      ScopedStatement del = c.Use(kDeleteId);
      del->bind(1, id);
      del->exec();
      AccountRemoval(c, {1, size}, "evictions");
      bytes -= size;
    }
  }
}

ino_t InodeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::string QuarantineSuffix() {
  char stamp[32];
  time_t now = ::time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(".corrupt-") + stamp + "-" + std::to_string(::getpid());
}

// Holds an exclusive flock on a lock file beside the database while it lives.
class FileLock {
 public:
  explicit FileLock(const std::string& path, mode_t mode) {
    fd_ = OpenCreatingWithMode(path, mode);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  int fd_ = -1;
};

}  // namespace

const char* const SqliteCacheBackend::kCreateSql =
    "CREATE TABLE entries("
    "  id INTEGER PRIMARY KEY,"          // low 64 bits of the XXH3-128 of the canonical request
    "  key_high INTEGER NOT NULL,"       // high 64 bits
    "  namespace TEXT NOT NULL,"
    "  request BLOB NOT NULL,"           // canonical request, compared byte for byte on a hit
    "  response BLOB NOT NULL,"
    "  total_tokens INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"     // microseconds since the epoch
    "  expires_at INTEGER NOT NULL);"    // 0 = never
    // Access bookkeeping lives in its own small rows: SQLite rewrites a whole record on
    // UPDATE, and rewriting kilobytes of request and response per recorded hit would cost
    // more than the hit.
    "CREATE TABLE access("
    "  id INTEGER PRIMARY KEY,"          // = entries.id
    "  last_access INTEGER NOT NULL);"
    "CREATE INDEX entries_by_expiry ON entries(expires_at) WHERE expires_at > 0;"
    "CREATE INDEX entries_by_namespace ON entries(namespace);"
    "CREATE TABLE stats(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO stats(name, value) VALUES ('entries', 0), ('bytes', 0), ('hits', 0), ('misses', 0),"
    " ('tokens_saved', 0), ('evictions', 0), ('expirations', 0), ('errors', 0), ('rebuilds', 0);"
    // Deleting an entry deletes its access row, whatever deleted it.
    "CREATE TRIGGER entries_delete AFTER DELETE ON entries BEGIN"
    "  DELETE FROM access WHERE id = old.id;"
    " END;";

// Version 2: canonical forms changed (rule 8 of canonical.h keeps the property order of JSON
// schemas), so entries stored under the old form are dropped; the flushed counters moved to
// their own file (cache_counters.h).
const char* const SqliteCacheBackend::kMigrateToV2Sql =
    "DELETE FROM access;"
    "DELETE FROM entries;"
    "UPDATE stats SET value = 0 WHERE name IN ('entries', 'bytes');"
    "DELETE FROM stats WHERE name IN ('hits', 'misses', 'tokens_saved', 'errors');";

SqliteCacheBackend::SqliteCacheBackend(const DbConfig& config)
    : pool_(config), readers_(config, kLookup), counters_(CountersConfig(config)) {}

Result<std::unique_ptr<SqliteCacheBackend>> SqliteCacheBackend::Open(const DbConfig& config) {
  std::unique_ptr<SqliteCacheBackend> backend(new SqliteCacheBackend(config));
  Status s = backend->Prepare();
  if (s.code() == StatusCode::kDataLoss) s = backend->Rebuild(s.message());
  if (!s.ok()) return s;
  return backend;
}

Status SqliteCacheBackend::Prepare() {
  Result<ConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  static const Schema schema{"cache", kCacheApplicationId, {{1, kCreateSql}, {2, kMigrateToV2Sql}}};
  Status s = MigrateSchema(**lease, schema);
  if (!s.ok()) return s;
  Result<ConnectionPool::Lease> counters = counters_.Acquire();
  if (!counters.ok()) return counters.status();
  s = MigrateSchema(**counters, CountersSchema());
  if (s.ok()) inode_ = InodeOf(pool_.config().path);
  return s;
}

Status SqliteCacheBackend::Rebuild(const std::string& reason) {
  std::lock_guard<std::mutex> lock(rebuild_mu_);
  const DbConfig& config = pool_.config();
  const Logger* log = config.logger;
  CloseAllConnections();
  {
    // One process at a time; a process that finds the file already replaced just follows.
    FileLock cross_process(config.path + "-rebuild.lock", config.file_mode);
    ino_t current = InodeOf(config.path);
    bool quarantine = current == inode_.load() || current == 0 || inode_.load() == 0;
    if (quarantine) {
      std::string suffix = QuarantineSuffix();
      for (const char* ext : {"", "-wal", "-shm"}) {
        std::string from = config.path + ext;
        if (::access(from.c_str(), F_OK) == 0) ::rename(from.c_str(), (config.path + suffix + ext).c_str());
        // The counters start again from zero with the cache (and may be what was corrupt).
        ::unlink((counters_.config().path + ext).c_str());
      }
      if (log) {
        log->Warn("cache ", config.path, " is corrupt (", reason, "); moved aside as ", config.path, suffix,
                  " and rebuilt empty. Quota is kept in another file and is not affected.");
      }
    }
    Status s = Prepare();
    if (!s.ok()) {
      if (log) log->Error("cache could not be rebuilt: ", s.ToString());
      return s;
    }
    if (quarantine) {
      // Counted in the new file, by the one process that rebuilt it.
      Result<ConnectionPool::Lease> lease = pool_.Acquire();
      try {
        if (lease.ok()) AddStat(**lease, "rebuilds", 1);
      } catch (const std::exception&) {
      }
    }
  }
  return Status::Ok();
}

Status SqliteCacheBackend::RebuildAfter(const std::string& reason) {
  Status s = Rebuild(reason);
  if (!s.ok()) return s;
  return DataLossError("cache " + pool_.config().path + " was corrupt (" + reason + ") and has been rebuilt empty");
}

void SqliteCacheBackend::FollowReplacedFile() {
  ino_t current = InodeOf(pool_.config().path);
  if (current == inode_.load()) return;
  CloseAllConnections();
  if (Prepare().ok() && pool_.config().logger) {
    pool_.config().logger->Info("cache ", pool_.config().path, " was replaced by another process; reopened");
  }
}

void SqliteCacheBackend::CloseAllConnections() {
  pool_.CloseAll();
  readers_.CloseAll();
  counters_.CloseAll();
}

Status SqliteCacheBackend::Run(ConnectionPool& pool, const char* what, const std::function<void(Connection&)>& op) {
  Result<ConnectionPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) {
    if (lease.status().code() == StatusCode::kDataLoss) return RebuildAfter(lease.status().message());
    return lease.status();
  }
  try {
    op(**lease);
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    Status s = StatusFromSqlite(e.getExtendedErrorCode(), std::string("cache ") + what, e.what());
    if (IsCorruptionCode(e.getExtendedErrorCode())) {
      lease->Discard();
      return RebuildAfter(e.what());
    }
    return s;
  } catch (const std::exception& e) {
    return StatusFromException(e, std::string("cache ") + what);
  }
}

Result<std::optional<StoredResponse>> SqliteCacheBackend::Lookup(const Hash128& key,
                                                                 std::string_view canonical_request,
                                                                 int64_t now_us) {
  Result<LookupReaders::Lease> lease = readers_.Acquire();
  if (!lease.ok()) {
    if (lease.status().code() == StatusCode::kDataLoss) return RebuildAfter(lease.status().message());
    return lease.status();
  }
  lease->BeginRead();
  sqlite3_stmt* st = lease->statement();
  sqlite3_bind_int64(st, 1, AsInt64(key.low));
  std::optional<StoredResponse> found;
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    // The high hash bits and the length first; the stored request is compared where the
    // statement holds it, and only the response is copied (once, for the caller).
    bool same = false;
    if (sqlite3_column_int64(st, 0) == AsInt64(key.high)) {
      const void* stored = sqlite3_column_blob(st, 1);
      const auto stored_size = static_cast<size_t>(sqlite3_column_bytes(st, 1));
      same = stored_size == canonical_request.size() &&
             std::memcmp(stored, canonical_request.data(), stored_size) == 0;
    }
    const int64_t expires_at = sqlite3_column_int64(st, 3);
    if (same && (expires_at == 0 || expires_at > now_us)) {
      try {
        const auto* response = static_cast<const char*>(sqlite3_column_blob(st, 2));
        found.emplace();
        found->response.assign(response, static_cast<size_t>(sqlite3_column_bytes(st, 2)));
        found->total_tokens = sqlite3_column_int64(st, 4);
      } catch (const std::exception& e) {
        return StatusFromException(e, "cache lookup");
      }
    }
  } else if (rc != SQLITE_DONE) {
    sqlite3* db = lease->connection().db().getHandle();
    const int code = sqlite3_extended_errcode(db);
    const std::string detail = sqlite3_errmsg(db);
    lease->EndRead();
    if (IsCorruptionCode(code)) {
      lease->Discard();
      return RebuildAfter(detail);
    }
    return StatusFromSqlite(code, "cache lookup", detail);
  }
  // A miss is usually followed by a store from the same caller, whose checkpoint would wait
  // for this reader's held transaction until the background thread ended it.
  if (!found) lease->EndRead();
  return found;
}

Status SqliteCacheBackend::Store(const NewEntry& e, int64_t now_us, int64_t max_bytes) {
  std::vector<HitAccess> folded;
  Status s = Run("store", [&](Connection& c) {
    int64_t bytes = static_cast<int64_t>(e.canonical_request.size() + e.response.size());
    WriteTransaction tx(c);
    ScopedStatement old = c.Use(kOldBytes);
    old->bind(1, AsInt64(e.key.low));
    bool replaced = old->executeStep();
    int64_t old_bytes = replaced ? old->getColumn(0).getInt64() : 0;
    old->tryReset();

    ScopedStatement ins = c.Use(kInsert);
    ins->bind(1, AsInt64(e.key.low));
    ins->bind(2, AsInt64(e.key.high));
    ins->bindNoCopy(3, e.cache_namespace.data(), static_cast<int>(e.cache_namespace.size()));
    ins->bindNoCopy(4, static_cast<const void*>(e.canonical_request.data()), static_cast<int>(e.canonical_request.size()));
    ins->bindNoCopy(5, static_cast<const void*>(e.response.data()), static_cast<int>(e.response.size()));
    ins->bind(6, e.total_tokens);
    ins->bind(7, bytes);
    ins->bind(8, now_us);
    ins->bind(9, e.expires_at_us);
    ins->exec();
    ScopedStatement access = c.Use(kInsertAccess);
    access->bind(1, AsInt64(e.key.low));
    access->bind(2, now_us);
    access->exec();
    AddStat(c, "entries", replaced ? 0 : 1);
    AddStat(c, "bytes", bytes - old_bytes);
    if (max_bytes > 0 && ReadStat(c, "bytes") > max_bytes) {
      folded = FoldHitAccesses(c);  // eviction goes by the last read in any process
      EvictToFit(c, now_us, max_bytes, AsInt64(e.key.low));
    }
    tx.Commit();
  });
  if (s.ok()) ForgetFolded(folded);
  return s;
}

Status SqliteCacheBackend::Remove(const Hash128& key, std::string_view canonical_request) {
  return Run("invalidate", [&](Connection& c) {
    WriteTransaction tx(c);
    ScopedStatement st = c.Use(kRemove);
    st->bind(1, AsInt64(key.low));
    st->bind(2, AsInt64(key.high));
    st->bindNoCopy(3, static_cast<const void*>(canonical_request.data()), static_cast<int>(canonical_request.size()));
    AccountRemoval(c, DeleteReturningBytes(st), nullptr);
    tx.Commit();
  });
}

Result<int64_t> SqliteCacheBackend::Purge(std::optional<std::string_view> cache_namespace) {
  int64_t removed = 0;
  Status s = Run("purge", [&](Connection& c) {
    WriteTransaction tx(c);
    if (cache_namespace) {
      ScopedStatement st = c.Use(kPurgeNamespace);
      st->bindNoCopy(1, cache_namespace->data(), static_cast<int>(cache_namespace->size()));
      auto gone = DeleteReturningBytes(st);
      AccountRemoval(c, gone, nullptr);
      removed = gone.first;
    } else {
      ScopedStatement count = c.Use(kCountAll);
      count->executeStep();
      removed = count->getColumn(0).getInt64();
      count->tryReset();
      c.Exec(kPurgeAllAccess);
      c.Exec(kPurgeAll);
      for (const char* name : {"entries", "bytes"}) {
        ScopedStatement set = c.Use(kSetStat);
        set->bind(1, name);
        set->bind(2, int64_t{0});
        set->exec();
      }
    }
    tx.Commit();
  });
  if (!s.ok()) return s;
  if (!cache_namespace) (void)Run(counters_, "purge", [](Connection& c) { ClearHitAccesses(c); });
  return removed;
}

Result<int64_t> SqliteCacheBackend::RemoveExpired(int64_t now_us) {
  int64_t removed = 0;
  std::vector<HitAccess> folded;
  Status s = Run("expiry", [&](Connection& c) {
    WriteTransaction tx(c);
    // Also the periodic fold: without a size cap nothing else would forget the reads of
    // entries deleted since.
    folded = FoldHitAccesses(c);
    ScopedStatement st = c.Use(kDeleteExpired);
    st->bind(1, now_us);
    auto gone = DeleteReturningBytes(st);
    AccountRemoval(c, gone, "expirations");
    removed = gone.first;
    tx.Commit();
  });
  if (!s.ok()) return s;
  ForgetFolded(folded);
  return removed;
}

Status SqliteCacheBackend::RecordBatch(const std::vector<AccessRecord>& accesses, const CounterDeltas& d) {
  FollowReplacedFile();
  // Never cache.db: its readers would drop their memory maps (cache_counters.h).
  return Run(counters_, "hit batch", [&](Connection& c) { RecordHits(c, accesses, d); });
}

std::vector<HitAccess> SqliteCacheBackend::FoldHitAccesses(Connection& c) {
  std::vector<HitAccess> reads;
  Result<ConnectionPool::Lease> hits = counters_.Acquire();
  if (!hits.ok()) return reads;  // evict by what cache.db holds; the reads wait for the next fold
  reads = ReadHitAccesses(**hits);
  for (const auto& [id, time] : reads) {
    ScopedStatement st = c.Use(kTouch);
    st->bind(1, id);
    st->bind(2, time);
    st->exec();
  }
  return reads;
}

void SqliteCacheBackend::ForgetFolded(const std::vector<HitAccess>& folded) {
  if (folded.empty()) return;
  // Best effort: reads left behind are folded again next time, to the same effect.
  (void)Run(counters_, "hit fold", [&](Connection& c) { ForgetHitAccesses(c, folded); });
}

Result<CacheStats> SqliteCacheBackend::ReadStats() {
  CacheStats out;
  Status s = Run("stats", [&](Connection& c) {
    ScopedStatement st = c.Use(kAllStats);
    while (st->executeStep()) {
      std::string name = st->getColumn(0).getString();
      int64_t v = st->getColumn(1).getInt64();
      if (name == "entries") out.entries = v;
      else if (name == "bytes") out.bytes = v;
      else if (name == "evictions") out.evictions = v;
      else if (name == "expirations") out.expirations = v;
      else if (name == "rebuilds") out.rebuilds = v;
    }
  });
  if (s.ok()) s = Run(counters_, "stats", [&](Connection& c) { ReadCounters(c, &out); });
  if (!s.ok()) return s;
  return out;
}

}  // namespace llmgate::internal
