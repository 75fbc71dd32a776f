#include "cache/cache_counters.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

namespace llmgate::internal {
namespace {

constexpr int32_t kCountersApplicationId = 0x4C4C474B;  // "LLGK"

const char kCreateCounters[] =
    "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO counters(name, value) VALUES ('hits', 0), ('misses', 0), ('tokens_saved', 0), ('errors', 0);";
// One statement for all four, so a flush is one small write.
const char kAddCounters[] =
    "UPDATE counters SET value = value + CASE name WHEN 'hits' THEN ?1 WHEN 'misses' THEN ?2"
    " WHEN 'tokens_saved' THEN ?3 WHEN 'errors' THEN ?4 ELSE 0 END";
const char kReadCounters[] = "SELECT name, value FROM counters";

// Version 2: read times moved here from cache.db (see the header).
const char kCreateHitAccess[] = "CREATE TABLE hit_access(id INTEGER PRIMARY KEY, last_access INTEGER NOT NULL);";
const char kRecordAccess[] =
    "INSERT INTO hit_access(id, last_access) VALUES(?1, ?2)"
    " ON CONFLICT(id) DO UPDATE SET last_access = max(last_access, excluded.last_access)";
const char kReadAccesses[] = "SELECT id, last_access FROM hit_access";
const char kForgetAccess[] = "DELETE FROM hit_access WHERE id = ?1 AND last_access <= ?2";
const char kClearAccesses[] = "DELETE FROM hit_access";

std::string CountersPathFor(const std::string& cache_path) {
  const std::string suffix = ".db";
  if (cache_path.size() > suffix.size() && cache_path.compare(cache_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return cache_path.substr(0, cache_path.size() - suffix.size()) + "-counters.db";
  }
  return cache_path + "-counters";
}

}  // namespace

DbConfig CountersConfig(const DbConfig& cache_config) {
  DbConfig config = cache_config;
  config.path = CountersPathFor(cache_config.path);
  config.mmap_bytes = 0;
  config.page_size = 0;
  return config;
}

const Schema& CountersSchema() {
  static const Schema schema{"cache counters", kCountersApplicationId, {{1, kCreateCounters}, {2, kCreateHitAccess}}};
  return schema;
}

void RecordHits(Connection& c, const std::vector<AccessRecord>& accesses, const CounterDeltas& d) {
  WriteTransaction tx(c);
  for (const AccessRecord& a : accesses) {
    ScopedStatement st = c.Use(kRecordAccess);
    st->bind(1, static_cast<int64_t>(a.key.low));
    st->bind(2, a.last_access_us);
    st->exec();
  }
  if (!d.empty()) {
    ScopedStatement st = c.Use(kAddCounters);
    st->bind(1, d.hits);
    st->bind(2, d.misses);
    st->bind(3, d.tokens_saved);
    st->bind(4, d.errors);
    st->exec();
  }
  tx.Commit();
}

void ReadCounters(Connection& c, CacheStats* stats) {
  ScopedStatement st = c.Use(kReadCounters);
  while (st->executeStep()) {
    const std::string name = st->getColumn(0).getString();
    const int64_t value = st->getColumn(1).getInt64();
    if (name == "hits") stats->hits = value;
    else if (name == "misses") stats->misses = value;
    else if (name == "tokens_saved") stats->tokens_saved = value;
    else if (name == "errors") stats->errors = value;
  }
}

std::vector<HitAccess> ReadHitAccesses(Connection& c) {
  std::vector<HitAccess> out;
  ScopedStatement st = c.Use(kReadAccesses);
  while (st->executeStep()) out.emplace_back(st->getColumn(0).getInt64(), st->getColumn(1).getInt64());
  return out;
}

void ForgetHitAccesses(Connection& c, const std::vector<HitAccess>& folded) {
  WriteTransaction tx(c);
  for (const auto& [id, time] : folded) {
    ScopedStatement st = c.Use(kForgetAccess);
    st->bind(1, id);
    st->bind(2, time);
    st->exec();
  }
  tx.Commit();
}

void ClearHitAccesses(Connection& c) { c.Exec(kClearAccesses); }

}  // namespace llmgate::internal
