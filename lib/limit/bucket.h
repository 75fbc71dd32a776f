// The arithmetic of one limit: when a cost can start, what charging it does to the state,
// reconciling with actual usage, tightening from the server's view, the usage report, and
// repairing state after the wall clock steps backwards.
//
// Every function is pure: `now` is always a parameter and nothing is read or written
// outside the arguments. The arithmetic is exact (128-bit intermediates, results saturated
// to int64) and every rounding goes the strict way, so the limiter never grants more than
// the true limit allows.
//
// Rolling limits (GCRA). With capacity B = EffectiveBurst(def), rate L/W and the state's
// tat, the bucket holds (tat - t) * L / W units at time t (none once tat <= t). A cost c
// fits at start s when max(tat, s) - s <= (B - c) * W / L, and charging it sets
// tat = max(tat, s) + c * W / L. Refill time is rounded up when charging and the slack
// rounded down when admitting, so the stored tat is never earlier than the exact one. The
// outcome: over every interval [t, t + T) the costs granted (by start time) total at most
// B + L * T / W, and a forward clock jump refills at most one full bucket.
//
// Calendar limits. Windows are fixed intervals of UTC time. The state counts `used` in one
// window. A full window makes the earliest start the next window's start; when a
// reservation lands in the next window (because this limit or another one pushed its
// start there), the state moves to that window and the current window is closed from then
// on: later acquires see it as full and queue in the next window too. That loses no
// accounting (the current window cannot be reopened) and is the simplest state that can
// hold a reservation in the next window; the cost is that a window may end slightly
// under-used, never over-used.
#ifndef LLMGATE_LIB_LIMIT_BUCKET_H_
#define LLMGATE_LIB_LIMIT_BUCKET_H_

#include <cstdint>
#include <optional>

#include "limit/limit_def.h"

namespace llmgate::internal {

// Start of the calendar window of `def` that contains t.
int64_t CalendarWindowStart(const LimitDef& def, int64_t t);

// Earliest time >= now at which `cost` (> 0) can be drawn from the limit, or nullopt when
// cost > Capacity(def): such a cost can never pass.
std::optional<int64_t> EarliestStart(const LimitDef& def, const LimitState& state, int64_t cost, int64_t now);

// The state after drawing `cost` as of `start`, which must be >= EarliestStart(...) for the
// same state and cost. Charging as of the start (not as of now) matters: a request that
// waits for another limit must occupy this one from when it really starts.
LimitState Charge(const LimitDef& def, const LimitState& state, int64_t cost, int64_t start);

// Adjusts a reservation that started at `reservation_start` once actual usage is known:
// delta > 0 charges more, delta < 0 refunds (cancelling is a refund of the whole cost).
// Rolling: a charge is added from max(tat, now); a refund moves tat back but never below
// now, so it never yields more than a full bucket. A single tat cannot tell which part of
// the bucket a reservation occupies, so a refund is taken off the end as if the
// reservation were the last one charged. That is exact while the bucket stays busy (the
// case under load); had the bucket run empty in between without the refunded units, a
// refund hands back up to that idle time's worth too early. The interval bound in the file
// comment is therefore a guarantee for charges; refunds trust the reported usage.
// Calendar: applied only while the
// reservation's window is still the state's window and has not ended; used never goes
// below 0. A reservation whose window has ended (or was closed by a later one) is left
// alone either way: that window's accounting is over.
LimitState Reconcile(const LimitDef& def, const LimitState& state, int64_t reservation_start, int64_t delta,
                     int64_t now);

// Makes the local state at least as strict as the server's view of the same dimension:
// `remaining` units left now (x-ratelimit-remaining-*) and the bucket full again at
// `reset_at` (now + x-ratelimit-reset-*). Never loosens. remaining < 0 means "not
// reported" and changes nothing.
// Rolling: tat moves forward so that the local remaining is <= remaining now. When the
// server reports 0 left, tat also moves to at least reset_at, so the local bucket is not
// full again before the server's. When some is left, reset_at is not used, because the server's
// bucket may be larger than this limit's (other hosts share it) and a reset far away then
// says nothing about how soon this limit refills.
// Calendar: used in the current window becomes at least limit - remaining; reset_at is
// ignored because windows are fixed to UTC.
LimitState Observe(const LimitDef& def, const LimitState& state, int64_t now, int64_t remaining, int64_t reset_at);

// A request whose answer is being observed: when its reservation started, and the limit's
// running count of units charged (LimitState::charged) right after its charge (ChargeMark
// in plan.h).
struct AnsweredCharge {
  int64_t start = 0;
  int64_t charged = 0;
};

// Observe for the server's view in the answer to one request, read as of when the server
// admitted that request instead of as of now. The server's remaining counted what it had
// admitted until then, but not the requests charged here after this one that were still
// on their way; holding "remaining" at now, as Observe alone does, forgets those whenever
// the server's view is the stricter one, and the requests that lets through are refused.
// So the bucket is also held at no less than the server's as it admitted the request plus
// everything charged since, placed where the request started (the server saw both the
// request and those after it later by about the same latency): in a busy bucket that is
// where the server's tat stands, and a bucket that ran empty in between only stands
// later. A floor, not a shift, so that the answers of several requests that were on their
// way together count what they all saw only once. Observe's own floors still hold.
// Rolling limits only: for a calendar limit, or when remaining is not reported, this is
// Observe.
LimitState ObserveAnswer(const LimitDef& def, const LimitState& state, int64_t now, int64_t remaining,
                         int64_t reset_at, const AnsweredCharge& answered);

// A block that holds until the later of its current end and `until`: blocks never shorten.
ScopeBlock ExtendBlock(const ScopeBlock& block, int64_t until);

// What a limit looks like at `now`, for reports and headers.
struct LimitUsage {
  int64_t limit = 0;
  int64_t burst = 0;      // EffectiveBurst(def)
  int64_t used = 0;       // may exceed burst after a reconcile charged more than reserved
  int64_t remaining = 0;  // max(0, burst - used): the largest cost that passes now
  // Rolling: when the bucket is full again (max(tat, now)). Calendar: the end of the
  // current window.
  int64_t reset_micros = 0;
  LimitSource source = LimitSource::kConfigured;
};

// Usage at `now`. A calendar window closed by a reservation in the next window reports
// used = limit and remaining = 0.
LimitUsage UsageAt(const LimitDef& def, const LimitState& state, int64_t now);

// The state of a limit whose definition changes from `before` to `after` (same scope,
// dimension, window and kind) at `now`, so that what was spent stays spent: a rolling
// bucket keeps the units it holds at now (its tat is rescaled to the new rate, rounded the
// strict way); a calendar limit keeps its count, and when a new offset moves the windows,
// the units counted in the current window move to the new current window (units of an
// earlier window that the new current one overlaps are not known: the state holds one
// window) and a reservation in a later window stays counted there, the new current window
// then closed. Unchanged when neither the limit nor the offset changes.
LimitState CarryOver(const LimitDef& before, const LimitDef& after, const LimitState& state, int64_t now);

// ---- Wall-clock steps ----
//
// Quota state is in wall-clock time so that it survives restarts and is shared by
// processes. The store persists a high-water mark, the largest `now` any process used.

// Backwards moves up to this size are ignored: they are normal between processes that
// read the clock a little before they get the write lock, and cost at most this much
// extra waiting. Anything larger is a clock step that must not lock everyone out.
inline constexpr int64_t kClockStepToleranceMicros = 1'000'000;

struct ClockCheckResult {
  int64_t step_back_micros = 0;  // > 0: rebase every stored time by this much
  int64_t new_hwm = 0;           // the high-water mark to persist
};

// hwm = 0 means no time seen yet. When now < hwm - kClockStepToleranceMicros, reports a
// step back of hwm - now and resets the mark to now; otherwise the mark becomes
// max(hwm, now). A forward step needs no repair: a rolling bucket refills at most to its
// capacity and a calendar limit at most to a fresh window.
ClockCheckResult ClockCheck(int64_t hwm, int64_t now);

// The state after the clock stepped back by step_back_micros, `now` being the new clock.
// Rolling: tat moves back by the step, so the bucket holds what it held before the step.
// Calendar: windows stay fixed to UTC, so the counted usage is kept, never silently reset;
// if the state's window now lies in the future, the usage is carried into the current
// window so that nobody waits for the clock to catch up.
LimitState Rebase(const LimitDef& def, const LimitState& state, int64_t step_back_micros, int64_t now);

// A block after the clock stepped back: it ends the same time after the step as before.
ScopeBlock Rebase(const ScopeBlock& block, int64_t step_back_micros);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_BUCKET_H_
