// The shared hit, miss, tokens-saved and error counters live in a small database file of
// their own beside cache.db (cache.db -> cache-counters.db). Every process flushes them
// about once a second, and any commit to a SQLite file makes every other connection to it
// drop its memory map and page cache on its next read: flushed into cache.db, the counters
// made each lookup connection unmap and re-fault the entries' pages every second (7-15 % of
// a hit's time in profiles of the hit benchmark). The
// counters that change with the entries themselves (entries, bytes, evictions,
// expirations, rebuilds) stay in cache.db, updated in the same transactions.
#ifndef LLMGATE_LIB_CACHE_CACHE_COUNTERS_H_
#define LLMGATE_LIB_CACHE_CACHE_COUNTERS_H_

#include <string>

#include "cache/cache_backend.h"
#include "store/connection.h"
#include "store/db_config.h"
#include "store/schema.h"

namespace llmgate::internal {

// The counters file's configuration, derived from cache.db's: another path, no memory map
// (the file is a few pages).
DbConfig CountersConfig(const DbConfig& cache_config);

const Schema& CountersSchema();

// Adds the deltas in one write transaction (throws SQLite::Exception like the statements).
void AddCounters(Connection& c, const CounterDeltas& deltas);

// Fills hits, misses, tokens_saved and errors of *stats.
void ReadCounters(Connection& c, CacheStats* stats);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CACHE_COUNTERS_H_
