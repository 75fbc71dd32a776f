// The rows of quota.db that belong to scopes: each scope's limit definitions (table
// limits, a row per limit) and its row of states, block and definitions version (table
// scopes, one row per scope, states packed as in state_blob.h). Loaded for one
// transaction, handed to the planner as a flat list of limits, and written back one row
// per scope that changed.
#ifndef LLMGATE_LIB_LIMIT_SCOPE_ROWS_H_
#define LLMGATE_LIB_LIMIT_SCOPE_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "limit/limit_def.h"
#include "limit/plan.h"
#include "store/connection.h"

namespace llmgate::internal {

// A stored row that breaks the rules every write enforces: the file was edited or damaged.
class CorruptRow : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Binds ?1..?4 of `st` to the key of a limit row: scope, dimension, window, kind.
void BindLimitKey(ScopedStatement& st, const LimitDef& def);

// The key plus the definition columns (?5 limit, ?6 burst, ?7 offset, ?8 source,
// ?9 updated_at), shared by the insert and the update of a limit.
void BindLimitDef(ScopedStatement& st, const LimitDef& def, int64_t now);

// A fresh definitions version: random, non-zero, so that a version read from any
// quota.db (even one restored from a backup or replaced) names one set of definitions.
int64_t NewDefsVersion();

// The definitions of scopes as last read, by the version stamped on each scope's row.
// Every write that changes a scope's definitions stamps a new version in the same
// transaction, so an acquire that finds the version it knows reads one row per scope
// instead of one per limit (which made it cost a third more). Shared by the threads of a
// backend; fork-safe because every use checks the version against the file.
class DefsCache {
 public:
  struct Entry {
    int64_t version = 0;
    std::vector<LimitDef> defs;  // states unset
    std::vector<size_t> slots;   // parallel to defs
  };
  std::shared_ptr<const Entry> Find(const std::string& scope) const;
  void Put(const std::string& scope, std::shared_ptr<const Entry> entry);

 private:
  static constexpr size_t kMaxEntries = 10'000;  // scopes are few; past this, start over
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
};

class ScopeRows {
 public:
  struct Row {
    std::string scope;
    bool stored = false;       // the scopes row exists
    int64_t block_until = 0;   // 0: not blocked
    int64_t defs_version = 0;  // changes whenever the scope's definitions do
    std::vector<LimitState> slot_states;
    size_t first = 0;  // its limits start at limits()[first]
  };

  // `cache` (may be null) serves and keeps definitions. Transactions that change
  // definitions must not use one: what they read before committing is not yet true.
  explicit ScopeRows(DefsCache* cache = nullptr) : cache_(cache) {}

  // Loads each scope once however often it is named. Throws SQLite::Exception and
  // CorruptRow.
  void Load(Connection& c, const std::vector<std::string>& scopes);
  void LoadOne(Connection& c, const std::string& scope);

  // Every limit loaded, each with its state, scope by scope.
  const std::vector<LimitEntry>& limits() const { return limits_; }
  // The slot of limits()[k] in its scope's states.
  size_t slot(size_t k) const { return slots_[k]; }
  // The blocks of the scopes loaded.
  std::vector<ScopeBlock> Blocks() const;

  size_t rows() const { return rows_.size(); }
  Row& row(size_t i) { return rows_[i]; }

  // Stores `states` (parallel to limits()): one write per scope whose states changed.
  void Save(Connection& c, const std::vector<LimitState>& states);

  // Writes a row's states (the row exists) / the whole row (it may not).
  static void WriteStates(Connection& c, const Row& row);
  static void WriteRow(Connection& c, const Row& row);

 private:
  // Reads the definitions of `scope` into limits_ and slots_.
  void ReadDefs(Connection& c, const std::string& scope);

  DefsCache* cache_;
  std::vector<Row> rows_;
  std::vector<LimitEntry> limits_;
  std::vector<size_t> slots_;  // parallel to limits_
};

// The states of `limits`, in order.
std::vector<LimitState> StatesOf(const std::vector<LimitEntry>& limits);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_SCOPE_ROWS_H_
