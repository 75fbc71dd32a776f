#include "limit/plan.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "limit/bucket.h"
#include "limit/limit_spec.h"

namespace llmgate::internal {
namespace {

using CostMap = std::map<std::string, int64_t, std::less<>>;

// Sums costs per dimension. nullopt on a negative amount or an overflowing sum.
std::optional<CostMap> SumCosts(const std::vector<Cost>& costs) {
  CostMap sums;
  for (const Cost& c : costs) {
    if (c.amount < 0) return std::nullopt;
    int64_t& sum = sums[c.dimension];
    if (__builtin_add_overflow(sum, c.amount, &sum)) return std::nullopt;
  }
  return sums;
}

int64_t CostOf(const CostMap& costs, const std::string& dimension) {
  auto it = costs.find(dimension);
  return it == costs.end() ? 0 : it->second;
}

bool Names(const std::vector<std::string>& scopes, const std::string& scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::vector<LimitState> StatesOf(const std::vector<LimitEntry>& limits) {
  std::vector<LimitState> states;
  states.reserve(limits.size());
  for (const LimitEntry& e : limits) states.push_back(e.state);
  return states;
}

std::vector<Cost> ToCosts(const CostMap& map) {
  std::vector<Cost> costs;
  for (const auto& [dimension, amount] : map) {
    if (amount > 0) costs.push_back({dimension, amount});
  }
  return costs;
}

// Applies per-dimension deltas to every limit of the reservation's scopes.
std::vector<LimitState> ApplyDeltas(const std::vector<LimitEntry>& limits, const Reservation& reservation,
                                    const CostMap& deltas, int64_t now) {
  std::vector<LimitState> states = StatesOf(limits);
  for (size_t i = 0; i < limits.size(); ++i) {
    const LimitDef& def = limits[i].def;
    if (!Names(reservation.scopes, def.scope)) continue;
    const int64_t delta = CostOf(deltas, def.dimension);
    if (delta == 0) continue;
    states[i] = Reconcile(def, states[i], reservation.start_micros, delta, now);
  }
  return states;
}

}  // namespace

Result<AcquirePlan> PlanAcquire(const std::vector<LimitEntry>& limits, const std::vector<ScopeBlock>& blocks,
                                const AcquireRequest& request) {
  if (request.max_wait_micros < 0) return InvalidArgumentError("max_wait must be >= 0");
  std::optional<CostMap> costs = SumCosts(request.costs);
  if (!costs) return InvalidArgumentError("acquire costs must be >= 0 and fit in int64");

  AcquirePlan plan;
  plan.states = StatesOf(limits);

  // The limits this acquire draws from, with their costs.
  std::vector<std::pair<int, int64_t>> involved;
  for (size_t i = 0; i < limits.size(); ++i) {
    const LimitDef& def = limits[i].def;
    if (!Names(request.scopes, def.scope)) continue;
    const int64_t cost = CostOf(*costs, def.dimension);
    if (cost <= 0) continue;
    if (Status s = ValidateLimitDef(def); !s.ok()) return s;
    involved.emplace_back(static_cast<int>(i), cost);
  }

  // A cost that exceeds a capacity is refused before anything else: waiting cannot help.
  for (const auto& [i, cost] : involved) {
    const LimitDef& def = limits[i].def;
    if (cost > Capacity(def)) {
      plan.outcome = PlanOutcome::kTooLarge;
      plan.binding_limit = i;
      plan.binding_scope = def.scope;
      plan.binding_name = LimitName(def);
      plan.binding_cost = cost;
      plan.binding_capacity = Capacity(def);
      return plan;
    }
  }

  int64_t start = request.now;
  for (const ScopeBlock& block : blocks) {
    if (Names(request.scopes, block.scope) && block.until_micros > start) {
      start = block.until_micros;
      plan.binding_limit = -1;
      plan.binding_scope = block.scope;
      plan.binding_name = "block";
    }
  }
  for (const auto& [i, cost] : involved) {
    const LimitDef& def = limits[i].def;
    const int64_t earliest = *EarliestStart(def, limits[i].state, cost, request.now);
    if (earliest > start) {
      start = earliest;
      plan.binding_limit = i;
      plan.binding_scope = def.scope;
      plan.binding_name = LimitName(def);
    }
  }
  plan.start_micros = start;

  // Compared in 128 bits: start may be saturated far in the future.
  if (__int128{start} - request.now > request.max_wait_micros) {
    plan.outcome = PlanOutcome::kDenied;
    return plan;
  }

  plan.reservation.marks.reserve(involved.size());
  for (const auto& [i, cost] : involved) {
    const LimitDef& def = limits[i].def;
    plan.states[i] = Charge(def, limits[i].state, cost, start);
    plan.charged.push_back(i);
    if (def.kind == LimitKind::kRolling) {
      const size_t scope = static_cast<size_t>(
          std::find(request.scopes.begin(), request.scopes.end(), def.scope) - request.scopes.begin());
      plan.reservation.marks.push_back(
          {scope, def.dimension, def.window_micros, plan.states[i].charged});
    }
  }
  plan.outcome = PlanOutcome::kGranted;
  plan.reservation.scopes = request.scopes;
  plan.reservation.costs = ToCosts(*costs);
  plan.reservation.start_micros = start;
  return plan;
}

Status PlanStatus(const AcquirePlan& plan, int64_t now) {
  const std::string which = plan.binding_name == "block"
                                ? "scope '" + plan.binding_scope + "' is blocked"
                                : plan.binding_name + " limit of scope '" + plan.binding_scope + "'";
  switch (plan.outcome) {
    case PlanOutcome::kGranted:
      return Status::Ok();
    case PlanOutcome::kTooLarge:
      return Status(StatusCode::kRequestTooLarge,
                    "cost " + std::to_string(plan.binding_cost) + " exceeds the " + which + " (at most " +
                        std::to_string(plan.binding_capacity) + " at once)");
    case PlanOutcome::kDenied: {
      const __int128 wait = __int128{plan.start_micros} - now;
      const __int128 max_ms = std::chrono::milliseconds::max().count();
      const int64_t wait_ms = static_cast<int64_t>(std::min<__int128>((wait + 999) / 1000, max_ms));
      Status s(StatusCode::kResourceExhausted, "throttled by the " + which);
      s.set_retry_after(std::chrono::milliseconds(std::max<int64_t>(0, wait_ms)));
      return s;
    }
  }
  return InternalError("unknown plan outcome");
}

Result<ReconcilePlan> PlanReconcile(const std::vector<LimitEntry>& limits, const Reservation& reservation,
                                    const std::vector<Cost>& actual, int64_t now) {
  std::optional<CostMap> reserved = SumCosts(reservation.costs);
  std::optional<CostMap> used = SumCosts(actual);
  if (!reserved || !used) return InvalidArgumentError("usage amounts must be >= 0 and fit in int64");

  CostMap deltas;
  CostMap after = *reserved;
  for (const auto& [dimension, amount] : *used) {
    deltas[dimension] = amount - CostOf(*reserved, dimension);  // both >= 0: cannot overflow
    after[dimension] = amount;
  }
  ReconcilePlan out;
  out.states = ApplyDeltas(limits, reservation, deltas, now);
  out.reservation = reservation;
  out.reservation.costs = ToCosts(after);
  return out;
}

const ChargeMark* FindMark(const Reservation& reservation, const LimitDef& limit) {
  if (limit.kind != LimitKind::kRolling) return nullptr;
  for (const ChargeMark& mark : reservation.marks) {
    if (mark.scope < reservation.scopes.size() && reservation.scopes[mark.scope] == limit.scope &&
        mark.dimension == limit.dimension && mark.window_micros == limit.window_micros) {
      return &mark;
    }
  }
  return nullptr;
}

std::vector<LimitState> PlanCancel(const std::vector<LimitEntry>& limits, const Reservation& reservation,
                                   int64_t now) {
  CostMap refunds;
  for (const Cost& c : reservation.costs) {
    if (c.amount > 0) refunds[c.dimension] -= c.amount;
  }
  return ApplyDeltas(limits, reservation, refunds, now);
}

}  // namespace llmgate::internal
