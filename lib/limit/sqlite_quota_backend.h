// The quota in quota.db of the state directory: a row per limit with its definition, a
// row per scope with the states of all its limits and its block, and the clock's
// high-water mark. Every operation is one BEGIN IMMEDIATE transaction, so processes on the
// host take turns; an acquire reads one row set and writes one row per scope it charges.
//
// Unlike cache.db, quota.db is never moved aside or rebuilt: a fresh file would forget
// what was spent and grant it again. A corrupt or read-only file makes every operation
// fail with a typed error naming the file until someone repairs it.
#ifndef LLMGATE_LIB_LIMIT_SQLITE_QUOTA_BACKEND_H_
#define LLMGATE_LIB_LIMIT_SQLITE_QUOTA_BACKEND_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "limit/quota_backend.h"
#include "limit/scope_rows.h"
#include "llmgate/clock.h"
#include "store/connection_pool.h"

namespace llmgate::internal {

class SqliteQuotaBackend final : public QuotaBackend {
 public:
  // Opens (creating or migrating) config.path and checks its integrity. kDataLoss when the
  // file is corrupt (it is left untouched), kFailedPrecondition when it belongs to a newer
  // llmgate or another program or cannot be written to create its schema.
  static Result<std::unique_ptr<SqliteQuotaBackend>> Open(const DbConfig& config, std::shared_ptr<Clock> clock);

  // The connections to quota.db, for the key store to share: a thread then reuses one
  // connection for both, whose page cache a commit of its own leaves valid (a commit on
  // another connection makes SQLite drop the whole cache at the next transaction).
  const std::shared_ptr<ConnectionPool>& pool() const { return pool_; }

  Result<AcquireResult> Acquire(AcquireRequest request) override;
  Result<Reservation> Reconcile(const Reservation& reservation, const std::vector<Cost>& actual) override;
  Status Cancel(const Reservation& reservation) override;
  Status Observe(const std::string& scope, const std::vector<ServerObservation>& views,
                 const Reservation* answered) override;
  Result<Reservation> ReconcileAndObserve(const Reservation& reservation, const std::vector<Cost>& actual,
                                          const std::vector<std::string>& observed_scopes,
                                          const std::vector<ServerObservation>& views, Status* observed) override;
  Status Block(const std::string& scope, int64_t until_micros) override;
  Result<std::vector<LimitReport>> Usage(const std::optional<std::vector<std::string>>& scopes) override;
  Result<std::vector<LimitChange>> SetLimits(const std::vector<LimitDef>& defs) override;
  Result<bool> RemoveLimit(const LimitDef& def) override;
  Result<std::vector<std::string>> ResetUsage(const std::optional<std::string>& scope) override;

  // The schema of quota.db (exposed for tests).
  static const char* const kCreateSql;
  static constexpr int32_t kApplicationId = 0x4C4C4751;  // "LLGQ"

 private:
  SqliteQuotaBackend(const DbConfig& config, std::shared_ptr<Clock> clock)
      : pool_(std::make_shared<ConnectionPool>(config)), clock_(std::move(clock)) {}

  Status Prepare();
  // Runs `op` on a pooled connection and turns exceptions into a Status that names the
  // file. Corruption is remembered: every later call fails with the same kDataLoss.
  Status Run(const char* what, const std::function<void(Connection&)>& op);
  // Run() inside BEGIN IMMEDIATE with the clock read and checked under the lock; commits
  // when `op` returns OK, rolls back otherwise, and logs a repaired clock step.
  Status RunWrite(const char* what, const std::function<Status(Connection&, int64_t now)>& op);
  Status CorruptError(const std::string& detail) const;
  // The steps of Reconcile and Observe inside a write transaction.
  Status ReconcileIn(Connection& c, int64_t now, const Reservation& reservation, const std::vector<Cost>& actual,
                     Reservation* updated);
  // `answered`: the reservation of the request whose answer carried the views, or null.
  void ObserveIn(Connection& c, int64_t now, const std::string& scope, const std::vector<ServerObservation>& views,
                 const Reservation* answered);
  // Inside a write transaction: compares `now` with the stored high-water mark, rebases
  // every stored time after a backwards step and advances the mark. Returns the step.
  int64_t CheckClock(Connection& c, int64_t now);
  void LogClockStep(int64_t step_back_micros, int64_t now) const;
  // The definitions of `defs` that differ from those stored (configured ones win over
  // learned ones); with `apply`, inside a write transaction, stores them too.
  static std::vector<LimitChange> StoreLimits(Connection& c, const std::vector<LimitDef>& defs, int64_t now,
                                              bool apply);

  std::shared_ptr<ConnectionPool> pool_;
  std::shared_ptr<Clock> clock_;
  DefsCache defs_cache_;
  std::atomic<bool> corrupt_{false};
  mutable std::mutex corrupt_mu_;
  std::string corrupt_detail_;  // guarded by corrupt_mu_
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_SQLITE_QUOTA_BACKEND_H_
