// What hits write lives in a small database file of its own beside cache.db (cache.db ->
// cache-counters.db): the shared hit, miss, tokens-saved and error counters, and the time
// of each entry's last recorded read. Any commit to a SQLite file makes every other
// connection to it drop its memory map and page cache on its next read; flushed into
// cache.db, this bookkeeping made each lookup connection unmap and re-fault the entries'
// pages every second (7-15 % of a hit's time in profiles of the hit benchmark, more when
// many distinct entries are read). So a hit never commits to cache.db.
//
// cache.db keeps what changes with the entries themselves: the entries and bytes,
// evictions, expirations and rebuilds counters, and each entry's store time in its
// `access` table. Eviction, which writes cache.db anyway, first folds the recorded read
// times into that table (FoldHitAccesses), so it orders entries by their last access in
// any process.
#ifndef LLMGATE_LIB_CACHE_CACHE_COUNTERS_H_
#define LLMGATE_LIB_CACHE_CACHE_COUNTERS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache_backend.h"
#include "store/connection.h"
#include "store/db_config.h"
#include "store/schema.h"

namespace llmgate::internal {

// The counters file's configuration, derived from cache.db's: another path, no memory map
// (the file is small and written every second).
DbConfig CountersConfig(const DbConfig& cache_config);

const Schema& CountersSchema();

// Adds the deltas and records the accesses in one write transaction (throws
// SQLite::Exception like the statements).
void RecordHits(Connection& c, const std::vector<AccessRecord>& accesses, const CounterDeltas& deltas);

// Fills hits, misses, tokens_saved and errors of *stats.
void ReadCounters(Connection& c, CacheStats* stats);

// A recorded read: entry id (low 64 bits of its key, as stored) and time in microseconds.
using HitAccess = std::pair<int64_t, int64_t>;

// Every recorded read not yet folded into cache.db.
std::vector<HitAccess> ReadHitAccesses(Connection& c);

// Forgets the reads once cache.db holds them; a read recorded again since (a later time)
// is kept for the next fold.
void ForgetHitAccesses(Connection& c, const std::vector<HitAccess>& folded);

// Forgets every recorded read (the cache was purged).
void ClearHitAccesses(Connection& c);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CACHE_COUNTERS_H_
