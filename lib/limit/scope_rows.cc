#include "limit/scope_rows.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <utility>

#include "limit/limit_spec.h"
#include "limit/state_blob.h"

namespace llmgate::internal {
namespace {

const char kSelectScopeRow[] = "SELECT block_until, defs_version, state, charged FROM scopes WHERE scope = ?1";
const char kSelectDefs[] =
    "SELECT dimension, window_us, kind, limit_value, burst, offset_us, source, slot FROM limits WHERE scope = ?1";
const char kUpdateScopeState[] = "UPDATE scopes SET state = ?2, charged = ?3 WHERE scope = ?1";
const char kUpsertScope[] =
    "INSERT INTO scopes(scope, block_until, defs_version, state, charged) VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(scope) DO UPDATE SET block_until = excluded.block_until, defs_version = excluded.defs_version,"
    " state = excluded.state, charged = excluded.charged";

// More slots than this in one scope means a damaged row, not a real configuration.
constexpr int64_t kMaxSlots = 1 << 16;

bool PlausibleDef(const LimitDef& d) {
  const bool calendar = d.kind == LimitKind::kCalendar;
  return IsValidDimension(d.dimension) && d.limit > 0 && d.window_micros > 0 && d.burst >= 0 &&
         (d.kind == LimitKind::kRolling || calendar) &&
         (d.source == LimitSource::kConfigured || d.source == LimitSource::kLearned) &&
         (!calendar || (d.calendar_offset_micros >= 0 && d.calendar_offset_micros < d.window_micros));
}

}  // namespace

void BindLimitKey(ScopedStatement& st, const LimitDef& def) {
  st->bindNoCopy(1, def.scope);
  st->bindNoCopy(2, def.dimension);
  st->bind(3, def.window_micros);
  st->bind(4, static_cast<int>(def.kind));
}

void BindLimitDef(ScopedStatement& st, const LimitDef& def, int64_t now) {
  BindLimitKey(st, def);
  st->bind(5, def.limit);
  st->bind(6, def.burst);
  st->bind(7, def.calendar_offset_micros);
  st->bind(8, static_cast<int>(def.source));
  st->bind(9, now);
}

int64_t NewDefsVersion() {
  thread_local std::mt19937_64 rng([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), static_cast<unsigned>(::getpid()),
                       static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
    return std::mt19937_64(seed);
  }());
  for (;;) {
    const auto v = static_cast<int64_t>(rng() >> 1);
    if (v != 0) return v;
  }
}

std::shared_ptr<const DefsCache::Entry> DefsCache::Find(const std::string& scope) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(scope);
  return it == entries_.end() ? nullptr : it->second;
}

void DefsCache::Put(const std::string& scope, std::shared_ptr<const Entry> entry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[scope] = std::move(entry);
}

void ScopeRows::Load(Connection& c, const std::vector<std::string>& scopes) {
  limits_.reserve(4 * scopes.size());  // RPM, RPD, TPM, TPD per scope is the usual case
  slots_.reserve(4 * scopes.size());
  rows_.reserve(scopes.size());
  for (size_t i = 0; i < scopes.size(); ++i) {
    if (std::find(scopes.begin(), scopes.begin() + i, scopes[i]) != scopes.begin() + i) continue;
    LoadOne(c, scopes[i]);
  }
}

void ScopeRows::LoadOne(Connection& c, const std::string& scope) {
  Row row;
  row.scope = scope;
  row.first = limits_.size();
  {
    ScopedStatement st = c.Use(kSelectScopeRow);
    st->bindNoCopy(1, scope);
    if (st->executeStep()) {
      row.stored = true;
      row.block_until = st->getColumn(0).getInt64();
      row.defs_version = st->getColumn(1).getInt64();
      SQLite::Column blob = st->getColumn(2);
      std::optional<std::vector<LimitState>> states = DecodeStates(blob.getBlob(), blob.getBytes());
      SQLite::Column charged = st->getColumn(3);
      if (!states || !DecodeCharged(charged.getBlob(), charged.getBytes(), &*states)) {
        throw CorruptRow("the states of scope '" + scope + "' are damaged");
      }
      row.slot_states = std::move(*states);
    }
  }
  std::shared_ptr<const DefsCache::Entry> cached = cache_ != nullptr && row.stored ? cache_->Find(scope) : nullptr;
  if (cached != nullptr && cached->version == row.defs_version) {
    for (size_t k = 0; k < cached->defs.size(); ++k) {
      limits_.push_back({cached->defs[k], LimitState{}});
      slots_.push_back(cached->slots[k]);
    }
  } else {
    ReadDefs(c, scope);
    if (cache_ != nullptr && row.stored) {
      auto entry = std::make_shared<DefsCache::Entry>();
      entry->version = row.defs_version;
      for (size_t k = row.first; k < limits_.size(); ++k) {
        entry->defs.push_back(limits_[k].def);
        entry->slots.push_back(slots_[k]);
      }
      cache_->Put(scope, std::move(entry));
    }
  }
  for (size_t k = row.first; k < limits_.size(); ++k) {
    if (slots_[k] >= row.slot_states.size()) {
      throw CorruptRow("the state of limit " + LimitName(limits_[k].def) + " of scope '" + scope + "' is missing");
    }
    limits_[k].state = row.slot_states[slots_[k]];
  }
  rows_.push_back(std::move(row));
}

void ScopeRows::ReadDefs(Connection& c, const std::string& scope) {
  ScopedStatement st = c.Use(kSelectDefs);
  st->bindNoCopy(1, scope);
  while (st->executeStep()) {
    LimitEntry e;
    e.def.scope = scope;
    e.def.dimension = st->getColumn(0).getString();
    e.def.window_micros = st->getColumn(1).getInt64();
    e.def.kind = static_cast<LimitKind>(st->getColumn(2).getInt());
    e.def.limit = st->getColumn(3).getInt64();
    e.def.burst = st->getColumn(4).getInt64();
    e.def.calendar_offset_micros = st->getColumn(5).getInt64();
    e.def.source = static_cast<LimitSource>(st->getColumn(6).getInt());
    const int64_t slot = st->getColumn(7).getInt64();
    if (!PlausibleDef(e.def) || slot < 0 || slot >= kMaxSlots) {
      throw CorruptRow("stored limit '" + e.def.dimension + "' of scope '" + scope + "' is invalid");
    }
    limits_.push_back(std::move(e));
    slots_.push_back(static_cast<size_t>(slot));
  }
}

std::vector<ScopeBlock> ScopeRows::Blocks() const {
  std::vector<ScopeBlock> blocks;
  for (const Row& r : rows_) {
    if (r.block_until > 0) blocks.push_back({r.scope, r.block_until});
  }
  return blocks;
}

void ScopeRows::Save(Connection& c, const std::vector<LimitState>& states) {
  for (size_t i = 0; i < rows_.size(); ++i) {
    Row& r = rows_[i];
    const size_t end = i + 1 < rows_.size() ? rows_[i + 1].first : limits_.size();
    bool changed = false;
    for (size_t k = r.first; k < end; ++k) {
      if (states[k] == limits_[k].state) continue;
      r.slot_states[slots_[k]] = states[k];
      limits_[k].state = states[k];
      changed = true;
    }
    if (changed) WriteStates(c, r);
  }
}

void ScopeRows::WriteStates(Connection& c, const Row& row) {
  const std::string blob = EncodeStates(row.slot_states);
  const std::string charged = EncodeCharged(row.slot_states);
  ScopedStatement st = c.Use(kUpdateScopeState);
  st->bindNoCopy(1, row.scope);
  st->bindNoCopy(2, static_cast<const void*>(blob.data()), static_cast<int>(blob.size()));
  st->bindNoCopy(3, static_cast<const void*>(charged.data()), static_cast<int>(charged.size()));
  st->exec();
}

void ScopeRows::WriteRow(Connection& c, const Row& row) {
  const std::string blob = EncodeStates(row.slot_states);
  const std::string charged = EncodeCharged(row.slot_states);
  ScopedStatement st = c.Use(kUpsertScope);
  st->bindNoCopy(1, row.scope);
  st->bind(2, row.block_until);
  st->bind(3, row.defs_version);
  st->bindNoCopy(4, static_cast<const void*>(blob.data()), static_cast<int>(blob.size()));
  st->bindNoCopy(5, static_cast<const void*>(charged.data()), static_cast<int>(charged.size()));
  st->exec();
}

std::vector<LimitState> StatesOf(const std::vector<LimitEntry>& limits) {
  std::vector<LimitState> states;
  states.reserve(limits.size());
  for (const LimitEntry& e : limits) states.push_back(e.state);
  return states;
}

}  // namespace llmgate::internal
