// Storage under the limiter. The SQLite file quota.db of the state directory is the
// default; a Redis backend implements the same interface for several hosts.
//
// Every operation is one atomic read-modify-write of the shared state: the backend loads
// the limits (and blocks) involved, lets the pure core (plan.h, bucket.h) decide, and
// writes back what changed, all under one lock. It reads the clock itself, inside that
// atomic section: a time read before waiting for the lock could be seconds stale, which
// would look like a backwards clock step and let the state be rebased wrongly.
//
// Clock steps: the backend keeps a high-water mark of the times it used. A write that finds
// the clock more than kClockStepToleranceMicros behind it rebases every stored time by the
// step (bucket.h Rebase) before doing its own work, in the same atomic section.
//
// Failures come back as Status values and the backend fails closed: it never grants when
// the state cannot be read and written, and it never resets or rebuilds the state on its
// own. kDataLoss: the storage is corrupt (and stays refused for the life of the backend);
// kFailedPrecondition: the storage is read-only or not ours; kUnavailable: busy, retry.
#ifndef LLMGATE_LIB_LIMIT_QUOTA_BACKEND_H_
#define LLMGATE_LIB_LIMIT_QUOTA_BACKEND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "limit/bucket.h"
#include "limit/limit_def.h"
#include "limit/plan.h"
#include "llmgate/status.h"

namespace llmgate::internal {

struct AcquireResult {
  // The core's decision (outcome, start, what binds). On kGranted the charged states are
  // already stored; otherwise nothing changed.
  AcquirePlan plan;
  int64_t now = 0;  // the time the decision was made at
};

// What the server reported for one dimension of a scope.
struct ServerObservation {
  std::string dimension;
  int64_t remaining = -1;    // < 0: not reported
  int64_t reset_micros = 0;  // time until the server's bucket is full again
};

// A limit definition written by SetLimits: `before` is nullopt for a new limit.
struct LimitChange {
  std::optional<LimitDef> before;
  LimitDef after;
};

// A limit with its usage at the time of the report.
struct LimitReport {
  LimitDef def;
  LimitUsage usage;
};

class QuotaBackend {
 public:
  virtual ~QuotaBackend() = default;

  // Plans and, when granted, charges an acquire (plan.h PlanAcquire). request.now is set
  // by the backend (see above). kInvalidArgument as PlanAcquire.
  virtual Result<AcquireResult> Acquire(AcquireRequest request) = 0;

  // Charges or refunds the difference to the actual usage (plan.h PlanReconcile) and
  // returns the reservation updated to it.
  virtual Result<Reservation> Reconcile(const Reservation& reservation, const std::vector<Cost>& actual) = 0;

  // Refunds the whole reservation (plan.h PlanCancel).
  virtual Status Cancel(const Reservation& reservation) = 0;

  // Tightens the limits of `scope` to the server's view (bucket.h Observe). A view of a
  // dimension applies to the limits of that dimension with the shortest window: the
  // server's headers describe its per-minute limit, and reading "3 left" against a daily
  // limit would wrongly use up a whole day. When the views came with the answer to the
  // request `answered` reserved (answered or refused), a rolling limit reads them as of
  // when the server saw that request, against the reservation's marks (bucket.h
  // ObserveAnswer); with null, or a limit it holds no mark of, as of now.
  virtual Status Observe(const std::string& scope, const std::vector<ServerObservation>& views,
                         const Reservation* answered) = 0;

  // What a call does once its answer is in: Reconcile, then Observe(scope, views,
  // &reservation) for each of `observed_scopes`. A store that can do both in one write
  // does so (SQLite: one transaction instead of one per step), and a failing store then
  // fails both. Returns Reconcile's result; the observations' outcome goes to *observed. A
  // reconciliation whose plan is refused does not keep the observations from being made.
  virtual Result<Reservation> ReconcileAndObserve(const Reservation& reservation, const std::vector<Cost>& actual,
                                                  const std::vector<std::string>& observed_scopes,
                                                  const std::vector<ServerObservation>& views, Status* observed) {
    Result<Reservation> reconciled = Reconcile(reservation, actual);
    *observed = Status::Ok();
    for (const std::string& scope : observed_scopes) {
      if (Status s = Observe(scope, views, &reservation); !s.ok() && observed->ok()) *observed = s;
    }
    return reconciled;
  }

  // Holds `scope` until `until_micros` for every process (blocks only ever lengthen).
  virtual Status Block(const std::string& scope, int64_t until_micros) = 0;

  // The limits of `scopes` (every scope when nullopt), ordered by scope, dimension, window
  // and kind, with their usage now, all read at one moment (one read of the store).
  virtual Result<std::vector<LimitReport>> Usage(const std::optional<std::vector<std::string>>& scopes) = 0;

  // Stores limit definitions (each valid, scope not empty) in one atomic step. A limit is
  // identified by scope, dimension, window and kind. A configured definition replaces the
  // stored one; a learned one replaces only a learned one. The state (what was spent) is
  // kept. Returns the definitions that actually changed.
  virtual Result<std::vector<LimitChange>> SetLimits(const std::vector<LimitDef>& defs) = 0;

  // Removes the limit identified like `def` and its state; false when there was none.
  virtual Result<bool> RemoveLimit(const LimitDef& def) = 0;

  // Forgets what was spent in `scope` (every scope when nullopt) in one atomic step: every
  // limit state of the scope starts over (LimitState{}: a full rolling bucket, an empty
  // calendar window) and its block ends; definitions are kept. Returns the scopes reset,
  // in order (empty when the scope holds no state).
  virtual Result<std::vector<std::string>> ResetUsage(const std::optional<std::string>& scope) = 0;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_QUOTA_BACKEND_H_
