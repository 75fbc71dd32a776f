// The cache in cache.db of the state directory: a table keyed by the low 64 bits of the
// request hash (an INTEGER PRIMARY KEY is SQLite's fastest lookup), holding the high bits
// and the canonical request for verification. What hits write (counters, read times) lives
// in a file of its own beside it (cache_counters.h), so a hit never commits to cache.db.
#ifndef LLMGATE_LIB_CACHE_SQLITE_CACHE_BACKEND_H_
#define LLMGATE_LIB_CACHE_SQLITE_CACHE_BACKEND_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "cache/cache_backend.h"
#include "cache/cache_counters.h"
#include "cache/lookup_readers.h"
#include "store/connection_pool.h"

namespace llmgate::internal {

class SqliteCacheBackend final : public CacheBackend {
 public:
  // Opens (creating, migrating, or rebuilding a corrupt file) config.path.
  static Result<std::unique_ptr<SqliteCacheBackend>> Open(const DbConfig& config);

  Result<std::optional<StoredResponse>> Lookup(const Hash128& key, std::string_view canonical_request,
                                               int64_t now_us) override;
  Status Store(const NewEntry& entry, int64_t now_us, int64_t max_bytes) override;
  Status Remove(const Hash128& key, std::string_view canonical_request) override;
  Result<int64_t> Purge(std::optional<std::string_view> cache_namespace) override;
  Result<int64_t> RemoveExpired(int64_t now_us) override;
  Status RecordBatch(const std::vector<AccessRecord>& accesses, const CounterDeltas& deltas) override;
  Result<CacheStats> ReadStats() override;

  // The schema of cache.db: version 1 and the migration to 2 (exposed for tests).
  static const char* const kCreateSql;
  static const char* const kMigrateToV2Sql;

 private:
  explicit SqliteCacheBackend(const DbConfig& config);

  // Runs `op` on a connection of `pool` (default: cache.db's) and turns exceptions into a
  // Status. When a file turns out to be corrupt, quarantines and rebuilds the cache (both
  // files) and returns kDataLoss.
  Status Run(const char* what, const std::function<void(Connection&)>& op) { return Run(pool_, what, op); }
  Status Run(ConnectionPool& pool, const char* what, const std::function<void(Connection&)>& op);
  // Quarantines the corrupt file and creates a new one (or follows another process that
  // already did); OK when the cache works again.
  Status Rebuild(const std::string& reason);
  // Rebuild() for an operation that failed on corruption: kDataLoss once rebuilt.
  Status RebuildAfter(const std::string& reason);
  Status Prepare();  // migrate the schemas of new or existing files
  // Closes every connection (both kinds) so that the next use opens the file anew.
  void CloseAllConnections();
  // Reopens the pool when another process has replaced the file (after a rebuild).
  void FollowReplacedFile();
  // Inside a write transaction on cache.db (c): copies the read times recorded in the
  // counters file into cache.db's access table; returns them for ForgetFolded.
  std::vector<HitAccess> FoldHitAccesses(Connection& c);
  // After that transaction committed: removes the folded reads from the counters file.
  void ForgetFolded(const std::vector<HitAccess>& folded);

  ConnectionPool pool_;      // cache.db: everything but lookups
  LookupReaders readers_;    // cache.db: lookups
  ConnectionPool counters_;  // cache-counters.db
  std::mutex rebuild_mu_;
  std::atomic<ino_t> inode_{0};
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_SQLITE_CACHE_BACKEND_H_
