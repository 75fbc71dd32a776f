#include "limit/sqlite_quota_backend.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

#include "keys/key_store.h"
#include "limit/limit_spec.h"
#include "limit/scope_rows.h"
#include "store/schema.h"
#include "store/sqlite_status.h"

namespace llmgate::internal {
namespace {

// Statements are prepared once per connection and reused (Connection::Use). An acquire
// runs BEGIN IMMEDIATE, kReadHwm, one SELECT per scope and one UPDATE per scope it charged
// (scope_rows.h), and COMMIT; kWriteHwm only when the mark moved on (see below).

const char kReadHwm[] = "SELECT value FROM meta WHERE name = 'clock_hwm'";
const char kWriteHwm[] = "UPDATE meta SET value = ?1 WHERE name = 'clock_hwm'";

const char kAllScopes[] = "SELECT scope FROM scopes";
const char kAllScopesOrdered[] = "SELECT scope FROM scopes ORDER BY scope";
const char kLimitScopes[] = "SELECT DISTINCT scope FROM limits ORDER BY scope";
const char kInsertLimit[] =
    "INSERT INTO limits(scope, dimension, window_us, kind, limit_value, burst, offset_us, source, updated_at, slot)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
const char kUpdateLimit[] =
    "UPDATE limits SET limit_value = ?5, burst = ?6, offset_us = ?7, source = ?8, updated_at = ?9"
    " WHERE scope = ?1 AND dimension = ?2 AND window_us = ?3 AND kind = ?4";
const char kDeleteLimit[] =
    "DELETE FROM limits WHERE scope = ?1 AND dimension = ?2 AND window_us = ?3 AND kind = ?4 RETURNING slot";
// Scopes that hold nothing any more: no limit, no state, no block in force.
const char kDeleteIdleScopes[] =
    "DELETE FROM scopes WHERE block_until <= ?1 AND length(state) = 0"
    " AND NOT EXISTS(SELECT 1 FROM limits WHERE limits.scope = scopes.scope)";

const char kQuickCheck[] = "PRAGMA quick_check";
// Whether a scope holds a limit of a dimension (the primary key's prefix answers it).
const char kHasLimitOf[] = "SELECT 1 FROM limits WHERE scope = ?1 AND dimension = ?2 LIMIT 1";

// The high-water mark is written only when it advances by this much. Writing it on every
// acquire would dirty a second page per transaction (the meta table's) and cost about as
// much as the rest of the commit. A mark up to this much behind the true one only makes a
// detected step look this much smaller (stored times stay up to this much later than
// exact: stricter, never looser) and lets steps this much longer than the tolerance go
// unrepaired (costing at most that much extra waiting).
constexpr int64_t kHwmGranularityMicros = 100'000;

std::vector<std::string> ReadScopeNames(Connection& c, const char* sql) {
  std::vector<std::string> scopes;
  ScopedStatement st = c.Use(sql);
  while (st->executeStep()) scopes.push_back(st->getColumn(0).getString());
  return scopes;
}

std::string Seconds(int64_t micros) { return std::to_string(micros / 1'000'000) + " s"; }

}  // namespace

const char* const SqliteQuotaBackend::kCreateSql =
    // Definitions: one row per limit, identified by scope, dimension, window and kind.
    "CREATE TABLE limits("
    "  scope TEXT NOT NULL,"
    "  dimension TEXT NOT NULL,"
    "  window_us INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"  // LimitKind: 0 rolling, 1 calendar
    "  limit_value INTEGER NOT NULL,"
    "  burst INTEGER NOT NULL,"
    "  offset_us INTEGER NOT NULL,"
    "  source INTEGER NOT NULL,"      // LimitSource: 0 configured, 1 learned
    "  updated_at INTEGER NOT NULL,"  // when the definition was last written
    "  slot INTEGER NOT NULL,"        // where its state lives in scopes.state
    "  PRIMARY KEY(scope, dimension, window_us, kind)) WITHOUT ROWID;"
    // State: one row per scope with the state of each of its limits (state_blob.h) and its
    // block, so an acquire rewrites one row per scope. Each row rewritten costs about a
    // quarter of a whole raw counter transaction: with a row per limit, an acquire of
    // RPM+RPD+TPM+TPD took about 1.8 times the raw transaction, with a row per scope 1.3.
    "CREATE TABLE scopes("
    "  scope TEXT PRIMARY KEY,"
    "  block_until INTEGER NOT NULL,"   // no acquire of the scope starts before (0 = none)
    "  defs_version INTEGER NOT NULL,"  // new with every change of its limits (scope_rows.h)
    "  state BLOB NOT NULL) WITHOUT ROWID;"
    // clock_hwm: the largest wall-clock time any process used, to detect backwards steps.
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO meta(name, value) VALUES('clock_hwm', 0);";

namespace {
// Schema version 3: scopes.charged holds each limit's running count of units charged
// (state_blob.h), which the answers of requests are read against (bucket.h ObserveAnswer).
// Rows written before have none: their counts start at 0.
const char kAddChargedSql[] = "ALTER TABLE scopes ADD COLUMN charged BLOB NOT NULL DEFAULT x''";
}  // namespace

Result<std::unique_ptr<SqliteQuotaBackend>> SqliteQuotaBackend::Open(const DbConfig& config,
                                                                     std::shared_ptr<Clock> clock) {
  std::unique_ptr<SqliteQuotaBackend> backend(new SqliteQuotaBackend(config, std::move(clock)));
  if (Status s = backend->Prepare(); !s.ok()) return s;
  return backend;
}

Status SqliteQuotaBackend::Prepare() {
  Result<ConnectionPool::Lease> lease = pool_->Acquire();
  // Processes that create quota.db at the same moment can find it locked while another
  // one switches the new file to WAL: SQLite then reports "busy" at once instead of
  // waiting (waiting could deadlock). Opening again after a moment succeeds.
  const auto give_up = std::chrono::steady_clock::now() + pool_->config().busy_timeout;
  while (!lease.ok() && lease.status().code() == StatusCode::kUnavailable &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    lease = pool_->Acquire();
  }
  if (!lease.ok()) {
    if (lease.status().code() == StatusCode::kDataLoss) return CorruptError(lease.status().message());
    return lease.status();
  }
  // Version 2 adds the key tables (keys/key_store.h): quota.db holds limits, keys and stats.
  // Version 3 adds scopes.charged (kAddChargedSql).
  static const Schema schema{"quota", kApplicationId, {{1, kCreateSql}, {2, kKeyTablesSql}, {3, kAddChargedSql}}};
  Status s = MigrateSchema(**lease, schema);
  if (s.code() == StatusCode::kDataLoss) return CorruptError(s.message());
  if (!s.ok()) return s;
  // quota.db is small (a row per limit and per scope), so checking every page at open is
  // cheap, and a damaged file is then refused at open rather than at some later acquire.
  try {
    ScopedStatement st = (*lease)->Use(kQuickCheck);
    std::string problems;
    while (st->executeStep()) {
      std::string line = st->getColumn(0).getString();
      if (line == "ok") break;
      if (!problems.empty()) problems += "; ";
      problems += line;
    }
    if (!problems.empty()) {
      lease->Discard();
      return CorruptError("integrity check: " + problems);
    }
  } catch (const SQLite::Exception& e) {
    if (IsCorruptionCode(e.getExtendedErrorCode())) {
      lease->Discard();
      return CorruptError(e.what());
    }
    return StatusFromSqlite(e.getExtendedErrorCode(), "checking quota " + pool_->config().path, e.what());
  }
  // A read-only file still serves usage reports; every call that must write fails.
  if (sqlite3_db_readonly((*lease)->db().getHandle(), "main") == 1 && pool_->config().logger) {
    pool_->config().logger->Warn("quota database ", pool_->config().path,
                                " is read-only: every acquire fails with FAILED_PRECONDITION until it is writable");
  }
  return Status::Ok();
}

Status SqliteQuotaBackend::CorruptError(const std::string& detail) const {
  const std::string& path = pool_->config().path;
  return DataLossError("quota database " + path + " is corrupt (" + detail +
                       "); the limiter grants nothing until it is repaired. llmgate never rebuilds or deletes " + path +
                       ": restore it from a backup, or move it away to start over with no record of " +
                       "what was spent");
}

Status SqliteQuotaBackend::Run(const char* what, const std::function<void(Connection&)>& op) {
  if (corrupt_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(corrupt_mu_);
    return CorruptError(corrupt_detail_);
  }
  const std::string& path = pool_->config().path;
  Result<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) {
    if (lease.status().code() == StatusCode::kDataLoss) return CorruptError(lease.status().message());
    return lease.status();
  }
  try {
    op(**lease);
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    const int code = e.getExtendedErrorCode();
    if (IsCorruptionCode(code)) {
      lease->Discard();
      const std::string detail = std::string(what) + ": " + e.what();
      {
        std::lock_guard<std::mutex> lock(corrupt_mu_);
        if (!corrupt_.load()) corrupt_detail_ = detail;
        corrupt_.store(true, std::memory_order_release);
      }
      Status s = CorruptError(detail);
      if (pool_->config().logger) pool_->config().logger->Error(s.message());
      return s;
    }
    if ((code & 0xFF) == SQLITE_READONLY) {
      return FailedPreconditionError("quota database " + path + " is read-only (" + e.what() + ", during " + what +
                                     "); the limiter grants nothing until it can record what it grants");
    }
    return StatusFromSqlite(code, "quota " + path + ": " + what, e.what());
  } catch (const CorruptRow& e) {
    return DataLossError("quota database " + path + ": " + e.what() + " (during " + what +
                         "); llmgate never rewrites it on its own: remove that limit or restore the file");
  } catch (const std::exception& e) {
    return StatusFromException(e, "quota " + path + ": " + what);
  }
}

int64_t SqliteQuotaBackend::CheckClock(Connection& c, int64_t now) {
  int64_t hwm = 0;
  {
    ScopedStatement st = c.Use(kReadHwm);
    if (st->executeStep()) hwm = st->getColumn(0).getInt64();
  }
  const ClockCheckResult check = ClockCheck(hwm, now);
  if (check.step_back_micros > 0) {
    // Every stored time moves back by the step, in this transaction, so that nobody waits
    // for the clock to catch up with times it will now take as long to reach again.
    ScopeRows all(&defs_cache_);
    for (const std::string& scope : ReadScopeNames(c, kAllScopes)) all.LoadOne(c, scope);
    std::vector<LimitState> states;
    for (const LimitEntry& e : all.limits()) states.push_back(Rebase(e.def, e.state, check.step_back_micros, now));
    all.Save(c, states);
    for (size_t i = 0; i < all.rows(); ++i) {
      ScopeRows::Row& r = all.row(i);
      const ScopeBlock moved = Rebase(ScopeBlock{r.scope, r.block_until}, check.step_back_micros);
      if (moved.until_micros == r.block_until) continue;
      r.block_until = moved.until_micros;
      ScopeRows::WriteRow(c, r);
    }
  }
  if (check.step_back_micros > 0 || check.new_hwm - hwm >= kHwmGranularityMicros) {
    ScopedStatement st = c.Use(kWriteHwm);
    st->bind(1, check.new_hwm);
    st->exec();
  }
  return check.step_back_micros;
}

void SqliteQuotaBackend::LogClockStep(int64_t step_back_micros, int64_t now) const {
  if (step_back_micros <= 0 || !pool_->config().logger) return;
  pool_->config().logger->Warn("the wall clock stepped back by ", Seconds(step_back_micros), " (now ", now,
                              " us since the epoch); every time stored in ", pool_->config().path,
                              " was moved back by the same amount, so quota already spent stays spent");
}

Status SqliteQuotaBackend::RunWrite(const char* what, const std::function<Status(Connection&, int64_t)>& op) {
  Status result;
  int64_t step = 0, now = 0;
  Status s = Run(what, [&](Connection& c) {
    WriteTransaction tx(c);
    now = clock_->NowMicros();  // read under the write lock: see quota_backend.h
    step = CheckClock(c, now);
    result = op(c, now);
    if (result.ok()) tx.Commit();  // an operation that fails changes nothing
  });
  LogClockStep(step, now);
  return s.ok() ? result : s;
}

Result<AcquireResult> SqliteQuotaBackend::Acquire(AcquireRequest request) {
  AcquireResult result;
  Status s = RunWrite("acquire", [&](Connection& c, int64_t now) {
    result.now = now;
    ScopeRows set(&defs_cache_);
    set.Load(c, request.scopes);
    request.now = now;
    Result<AcquirePlan> plan = PlanAcquire(set.limits(), set.Blocks(), request);
    if (!plan.ok()) return plan.status();
    if (plan->outcome == PlanOutcome::kGranted) set.Save(c, plan->states);
    result.plan = std::move(plan).value();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Status SqliteQuotaBackend::ReconcileIn(Connection& c, int64_t now, const Reservation& reservation,
                                       const std::vector<Cost>& actual, Reservation* updated) {
  ScopeRows set(&defs_cache_);
  set.Load(c, reservation.scopes);
  Result<ReconcilePlan> plan = PlanReconcile(set.limits(), reservation, actual, now);
  if (!plan.ok()) return plan.status();
  set.Save(c, plan->states);
  *updated = std::move(plan->reservation);
  return Status::Ok();
}

Result<Reservation> SqliteQuotaBackend::Reconcile(const Reservation& reservation, const std::vector<Cost>& actual) {
  Reservation updated;
  Status s = RunWrite("reconcile",
                      [&](Connection& c, int64_t now) { return ReconcileIn(c, now, reservation, actual, &updated); });
  if (!s.ok()) return s;
  return updated;
}

Result<Reservation> SqliteQuotaBackend::ReconcileAndObserve(const Reservation& reservation,
                                                            const std::vector<Cost>& actual,
                                                            const std::vector<std::string>& observed_scopes,
                                                            const std::vector<ServerObservation>& views,
                                                            Status* observed) {
  Reservation updated;
  Status reconciled;
  Status s = RunWrite("reconcile and observe", [&](Connection& c, int64_t now) {
    // A plan that fails saves nothing, and the observations still go in.
    reconciled = ReconcileIn(c, now, reservation, actual, &updated);
    for (const std::string& scope : observed_scopes) ObserveIn(c, now, scope, views, &reservation);
    return Status::Ok();
  });
  *observed = s;
  if (!s.ok()) return s;
  if (!reconciled.ok()) return reconciled;
  return updated;
}

Status SqliteQuotaBackend::Cancel(const Reservation& reservation) {
  return RunWrite("cancel", [&](Connection& c, int64_t now) {
    ScopeRows set(&defs_cache_);
    set.Load(c, reservation.scopes);
    set.Save(c, PlanCancel(set.limits(), reservation, now));
    return Status::Ok();
  });
}

Status SqliteQuotaBackend::Observe(const std::string& scope, const std::vector<ServerObservation>& views,
                                   const Reservation* answered) {
  // Every response is observed into a few scopes, and most of them hold no limit of the
  // dimensions the server reports (a group x model scope usually holds none): a read says
  // so without queueing for the write lock behind other processes' acquires. A limit
  // defined right after this read misses one observation; the next response brings another.
  bool observed = false;
  Status s = Run("observe", [&](Connection& c) {
    for (const ServerObservation& view : views) {
      ScopedStatement st = c.Use(kHasLimitOf);
      st->bind(1, scope);
      st->bind(2, view.dimension);
      if (st->executeStep()) {
        observed = true;
        return;
      }
    }
  });
  if (!s.ok() || !observed) return s;
  return RunWrite("observe", [&](Connection& c, int64_t now) {
    ObserveIn(c, now, scope, views, answered);
    return Status::Ok();
  });
}

void SqliteQuotaBackend::ObserveIn(Connection& c, int64_t now, const std::string& scope,
                                   const std::vector<ServerObservation>& views, const Reservation* answered) {
  ScopeRows set(&defs_cache_);
  set.LoadOne(c, scope);
  const std::vector<LimitEntry>& limits = set.limits();
  if (limits.empty()) return;
  std::vector<LimitState> states = StatesOf(limits);
  for (const ServerObservation& view : views) {
    int64_t shortest = 0;
    for (const LimitEntry& e : limits) {
      if (e.def.dimension == view.dimension && (shortest == 0 || e.def.window_micros < shortest)) {
        shortest = e.def.window_micros;
      }
    }
    const int64_t reset_at = now + std::max<int64_t>(0, view.reset_micros);
    for (size_t i = 0; i < limits.size(); ++i) {
      const LimitDef& def = limits[i].def;
      if (def.dimension != view.dimension || def.window_micros != shortest) continue;
      const ChargeMark* mark = answered ? FindMark(*answered, def) : nullptr;
      states[i] = mark ? ObserveAnswer(def, states[i], now, view.remaining, reset_at,
                                       {answered->start_micros, mark->charged})
                       : internal::Observe(def, states[i], now, view.remaining, reset_at);
    }
  }
  set.Save(c, states);
}

Status SqliteQuotaBackend::Block(const std::string& scope, int64_t until_micros) {
  return RunWrite("block", [&](Connection& c, int64_t now) {
    ScopeRows set(&defs_cache_);
    set.LoadOne(c, scope);
    ScopeRows::Row& r = set.row(0);
    const ScopeBlock block = ExtendBlock(ScopeBlock{scope, r.block_until}, until_micros);
    if (block.until_micros != r.block_until && block.until_micros > now) {
      r.block_until = block.until_micros;
      ScopeRows::WriteRow(c, r);
    }
    // Rows of scopes that only ever held a block are dropped once it ends.
    ScopedStatement idle = c.Use(kDeleteIdleScopes);
    idle->bind(1, now);
    idle->exec();
    return Status::Ok();
  });
}

Result<std::vector<LimitReport>> SqliteQuotaBackend::Usage(const std::optional<std::vector<std::string>>& scopes) {
  std::vector<LimitReport> out;
  int64_t step = 0, now = 0;
  Status s = Run("usage", [&](Connection& c) {
    out.clear();
    now = clock_->NowMicros();
    // One read transaction for the clock check and the rows: the key pool asks for the
    // scopes of every key on each call, and each transaction costs its locks.
    std::optional<ReadTransaction> rt(std::in_place, c);
    int64_t hwm = 0;
    {
      ScopedStatement st = c.Use(kReadHwm);
      if (st->executeStep()) hwm = st->getColumn(0).getInt64();
    }
    if (ClockCheck(hwm, now).step_back_micros > 0) {
      // A report must not show hours of waiting that the next acquire would repair: repair
      // first. (A read-only file cannot be repaired; the report then fails like an acquire.)
      rt.reset();
      WriteTransaction tx(c);
      now = clock_->NowMicros();
      step = CheckClock(c, now);
      tx.Commit();
      rt.emplace(c);
    }
    ScopeRows set(&defs_cache_);
    if (scopes) {
      set.Load(c, *scopes);
    } else {
      set.Load(c, ReadScopeNames(c, kLimitScopes));
    }
    for (const LimitEntry& e : set.limits()) out.push_back({e.def, UsageAt(e.def, e.state, now)});
    // Scopes come in order; within one, order by dimension, window and kind.
    std::stable_sort(out.begin(), out.end(), [](const LimitReport& a, const LimitReport& b) {
      return std::tie(a.def.scope, a.def.dimension, a.def.window_micros, a.def.kind) <
             std::tie(b.def.scope, b.def.dimension, b.def.window_micros, b.def.kind);
    });
  });
  LogClockStep(step, now);
  if (!s.ok()) return s;
  return out;
}

std::vector<LimitChange> SqliteQuotaBackend::StoreLimits(Connection& c, const std::vector<LimitDef>& defs, int64_t now,
                                                         bool apply) {
  std::vector<LimitChange> changes;
  for (const LimitDef& def : defs) {
    ScopeRows set;
    set.LoadOne(c, def.scope);
    ScopeRows::Row& r = set.row(0);
    const std::vector<LimitEntry>& limits = set.limits();
    size_t found = limits.size();
    for (size_t k = 0; k < limits.size(); ++k) {
      const LimitDef& d = limits[k].def;
      if (d.dimension == def.dimension && d.window_micros == def.window_micros && d.kind == def.kind) found = k;
    }

    if (found == limits.size()) {
      changes.push_back({std::nullopt, def});
      if (!apply) continue;
      // A new limit takes the lowest free slot, starting from a fresh state.
      std::vector<bool> taken(r.slot_states.size() + 1, false);
      for (size_t k = 0; k < limits.size(); ++k) taken[set.slot(k)] = true;
      const size_t slot = static_cast<size_t>(std::find(taken.begin(), taken.end(), false) - taken.begin());
      if (slot >= r.slot_states.size()) r.slot_states.resize(slot + 1);
      r.slot_states[slot] = LimitState{};
      r.defs_version = NewDefsVersion();
      ScopedStatement st = c.Use(kInsertLimit);
      BindLimitDef(st, def, now);
      st->bind(10, static_cast<int64_t>(slot));
      st->exec();
      ScopeRows::WriteRow(c, r);
      continue;
    }

    const LimitEntry& old = limits[found];
    if (old.def == def) continue;
    // A configured limit always wins: what the server reports never overrides it.
    if (def.source == LimitSource::kLearned && old.def.source == LimitSource::kConfigured) continue;
    changes.push_back({old.def, def});
    if (!apply) continue;
    ScopedStatement st = c.Use(kUpdateLimit);
    BindLimitDef(st, def, now);
    st->exec();
    r.slot_states[set.slot(found)] = CarryOver(old.def, def, old.state, now);
    r.defs_version = NewDefsVersion();
    ScopeRows::WriteRow(c, r);
  }
  return changes;
}

Result<std::vector<LimitChange>> SqliteQuotaBackend::SetLimits(const std::vector<LimitDef>& defs) {
  std::vector<LimitChange> changes;
  int64_t step = 0, now = 0;
  Status s = Run("storing limits", [&](Connection& c) {
    {
      // Every process stores its configuration when it opens, and it is almost always
      // stored already: finding that out needs no write lock (and works on a read-only
      // file, which then fails only the calls that must write).
      ReadTransaction rt(c);
      if (StoreLimits(c, defs, 0, /*apply=*/false).empty()) return;
    }
    WriteTransaction tx(c);
    now = clock_->NowMicros();
    step = CheckClock(c, now);
    changes = StoreLimits(c, defs, now, /*apply=*/true);
    tx.Commit();
  });
  LogClockStep(step, now);
  if (!s.ok()) return s;
  return changes;
}

Result<bool> SqliteQuotaBackend::RemoveLimit(const LimitDef& def) {
  bool removed = false;
  Status s = Run("removing a limit", [&](Connection& c) {
    WriteTransaction tx(c);
    int64_t slot = -1;
    {
      ScopedStatement st = c.Use(kDeleteLimit);
      BindLimitKey(st, def);
      if (st->executeStep()) slot = st->getColumn(0).getInt64();
    }
    removed = slot >= 0;
    if (removed) {
      // The slot is cleared so that a limit added later does not inherit this one's state.
      ScopeRows set;
      set.LoadOne(c, def.scope);
      ScopeRows::Row& r = set.row(0);
      if (static_cast<size_t>(slot) < r.slot_states.size()) {
        r.slot_states[slot] = LimitState{};
        size_t used = 0;
        for (size_t k = 0; k < set.limits().size(); ++k) used = std::max(used, set.slot(k) + 1);
        r.slot_states.resize(used);
      }
      r.defs_version = NewDefsVersion();
      ScopeRows::WriteRow(c, r);
    }
    tx.Commit();
  });
  if (!s.ok()) return s;
  return removed;
}

Result<std::vector<std::string>> SqliteQuotaBackend::ResetUsage(const std::optional<std::string>& scope) {
  std::vector<std::string> reset;
  Status s = RunWrite("resetting usage", [&](Connection& c, int64_t now) {
    reset.clear();
    // Only rows that exist: a named scope without one holds nothing to forget, and
    // writing a row for it would create state out of a typo.
    ScopeRows set(&defs_cache_);
    if (scope) {
      set.LoadOne(c, *scope);
    } else {
      for (const std::string& name : ReadScopeNames(c, kAllScopesOrdered)) set.LoadOne(c, name);
    }
    for (size_t i = 0; i < set.rows(); ++i) {
      ScopeRows::Row& r = set.row(i);
      if (!r.stored) continue;
      // Every slot, not only those of current limits: a slot freed by RemoveLimit is
      // already empty, and clearing it again keeps the row's layout (and defs_version,
      // so cached definitions stay valid).
      for (LimitState& state : r.slot_states) state = LimitState{};
      r.block_until = 0;
      ScopeRows::WriteRow(c, r);
      reset.push_back(r.scope);
    }
    // Scopes that only held a block hold nothing now.
    ScopedStatement idle = c.Use(kDeleteIdleScopes);
    idle->bind(1, now);
    idle->exec();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return reset;
}

}  // namespace llmgate::internal
