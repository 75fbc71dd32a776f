// All-or-nothing planning of one acquire across every limit of every scope it names.
//
// The quota store reads, in one BEGIN IMMEDIATE transaction, the limits and states of the
// scopes an acquire names plus their blocks, calls PlanAcquire, and writes back
// `AcquirePlan::states` only when the plan is granted. Nothing here does I/O or reads a
// clock.
//
// The rule: each involved limit (scope named, dimension with a cost > 0) computes the
// earliest start for its cost; blocks of named scopes add their end; the request's start
// is the latest of these and now. If that is more than max_wait away, the acquire is
// denied and no state changes. Otherwise every involved limit is charged as of that start:
// charging the limits that were free as of now instead would let the next request use
// capacity this one is about to take.
#ifndef LLMGATE_LIB_LIMIT_PLAN_H_
#define LLMGATE_LIB_LIMIT_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "limit/limit_def.h"
#include "llmgate/status.h"

namespace llmgate::internal {

// An amount of one dimension ("requests" 1, "tokens" 1200).
struct Cost {
  std::string dimension;
  int64_t amount = 0;
};

// One limit as the store loaded it.
struct LimitEntry {
  LimitDef def;
  LimitState state;
};

struct AcquireRequest {
  // Scopes to draw from; a limit takes part when its scope is one of these.
  std::vector<std::string> scopes;
  // Costs >= 0; several entries for one dimension add up. A dimension with no entry or a
  // total of 0 is not checked (requests usually cost 1).
  std::vector<Cost> costs;
  int64_t now = 0;
  // The longest the caller accepts to wait for its start; 0 = only now.
  int64_t max_wait_micros = 0;
};

// Where a reservation left one rolling limit (scope, dimension, window): the limit's
// running count of units charged (LimitState::charged) right after the reservation's
// charge, so that the count now minus this is what acquires charged since. ObserveAnswer
// (bucket.h) reads the server's view in the answer to the request with it.
struct ChargeMark {
  size_t scope = 0;  // index into Reservation::scopes
  std::string dimension;
  int64_t window_micros = 0;
  int64_t charged = 0;
};

// What a granted acquire holds, for PlanReconcile and PlanCancel.
struct Reservation {
  std::vector<std::string> scopes;
  std::vector<Cost> costs;  // one entry per dimension with a cost > 0, sorted by dimension
  int64_t start_micros = 0;
  std::vector<ChargeMark> marks;  // one per rolling limit charged
};

// The mark of `limit` in `reservation`, or null: none was kept (a calendar limit, a limit
// defined after the acquire, a reservation built by hand).
const ChargeMark* FindMark(const Reservation& reservation, const LimitDef& limit);

enum class PlanOutcome {
  kGranted,   // the request may start at start_micros (>= now); states are charged
  kDenied,    // it could start only at start_micros, more than max_wait away; nothing changed
  kTooLarge,  // a cost exceeds a limit's capacity: it can never pass; nothing changed
};

struct AcquirePlan {
  PlanOutcome outcome = PlanOutcome::kGranted;
  // kGranted: when the request starts (the caller waits until then). kDenied: the earliest
  // time it could start given the current state. kTooLarge: 0.
  int64_t start_micros = 0;

  // The limit or block that decided start_micros (it is later than now), or whose capacity
  // the cost exceeds (kTooLarge). binding_limit indexes the `limits` argument, -1 for a
  // block or when nothing waits; binding_name is LimitName(def) ("rpm", "usd_micros/1d")
  // or "block"; both names are empty when nothing binds.
  int binding_limit = -1;
  std::string binding_scope;
  std::string binding_name;
  int64_t binding_cost = 0;      // kTooLarge: the cost asked of that limit
  int64_t binding_capacity = 0;  // kTooLarge: the most that limit ever grants at once

  // The state of every entry of `limits`, in order: charged when granted, unchanged
  // otherwise. The store may write back all of them or only those in `charged`.
  std::vector<LimitState> states;
  std::vector<int> charged;  // indexes of the limits drawn from (kGranted)
  Reservation reservation;   // kGranted
};

// Plans an acquire. kInvalidArgument for a negative cost or max_wait, or when a limit that
// takes part fails ValidateLimitDef.
Result<AcquirePlan> PlanAcquire(const std::vector<LimitEntry>& limits, const std::vector<ScopeBlock>& blocks,
                                const AcquireRequest& request);

// OK when granted; kResourceExhausted naming the binding limit with retry_after (rounded up
// to whole milliseconds) when denied; kRequestTooLarge when too large.
Status PlanStatus(const AcquirePlan& plan, int64_t now);

struct ReconcilePlan {
  std::vector<LimitState> states;  // parallel to `limits`
  Reservation reservation;         // costs replaced by the actual usage, for a later reconcile
};

// Charges or refunds the difference between the reservation and the actual usage in every
// limit of the reservation's scopes (see Reconcile in bucket.h for clamping). Dimensions
// not named in `actual` keep their reservation; a dimension not reserved is charged in
// full. kInvalidArgument for a negative actual amount.
Result<ReconcilePlan> PlanReconcile(const std::vector<LimitEntry>& limits, const Reservation& reservation,
                                    const std::vector<Cost>& actual, int64_t now);

// Refunds the whole reservation (the request was never sent). States parallel to `limits`.
std::vector<LimitState> PlanCancel(const std::vector<LimitEntry>& limits, const Reservation& reservation,
                                   int64_t now);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_PLAN_H_
