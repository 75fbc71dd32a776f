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
  static const Schema schema{"cache counters", kCountersApplicationId, {{1, kCreateCounters}}};
  return schema;
}

void AddCounters(Connection& c, const CounterDeltas& d) {
  WriteTransaction tx(c);
  ScopedStatement st = c.Use(kAddCounters);
  st->bind(1, d.hits);
  st->bind(2, d.misses);
  st->bind(3, d.tokens_saved);
  st->bind(4, d.errors);
  st->exec();
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

}  // namespace llmgate::internal
