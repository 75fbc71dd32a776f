#include "limit/bucket.h"

#include <algorithm>
#include <limits>

namespace llmgate::internal {
namespace {

using Int128 = __int128;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// Products of a time and an amount overflow int64 long before either does, and a
// saturated result stays on the strict side (a far-away tat, a huge refill time).
int64_t Saturate(Int128 v) {
  if (v > kMax) return kMax;
  if (v < kMin) return kMin;
  return static_cast<int64_t>(v);
}

int64_t AddSat(int64_t a, int64_t b) { return Saturate(Int128{a} + b); }
int64_t SubSat(int64_t a, int64_t b) { return Saturate(Int128{a} - b); }

// Floor and ceiling of a / b for b > 0, correct for negative a.
Int128 FloorDiv(Int128 a, Int128 b) {
  Int128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}
Int128 CeilDiv(Int128 a, Int128 b) {
  Int128 q = a / b;
  if (a % b != 0 && a > 0) ++q;
  return q;
}

bool IsCalendar(const LimitDef& def) { return def.kind == LimitKind::kCalendar; }

// Time `units` occupy in a rolling bucket. Rounded up when charging (the bucket drains a
// little later than exact) and down when measuring slack (a little less room than exact).
int64_t MicrosCeil(const LimitDef& def, int64_t units) {
  return Saturate(CeilDiv(Int128{units} * def.window_micros, def.limit));
}
int64_t MicrosFloor(const LimitDef& def, int64_t units) {
  return Saturate(FloorDiv(Int128{units} * def.window_micros, def.limit));
}

// Units a rolling bucket holds at `now`, rounded up (reported usage is never too low).
int64_t RollingUsed(const LimitDef& def, const LimitState& state, int64_t now) {
  if (state.tat <= now) return 0;
  return Saturate(CeilDiv((Int128{state.tat} - now) * def.limit, def.window_micros));
}

}  // namespace

int64_t CalendarWindowStart(const LimitDef& def, int64_t t) {
  const Int128 k = FloorDiv(Int128{t} - def.calendar_offset_micros, def.window_micros);
  return Saturate(k * def.window_micros + def.calendar_offset_micros);
}

std::optional<int64_t> EarliestStart(const LimitDef& def, const LimitState& state, int64_t cost, int64_t now) {
  if (cost > Capacity(def)) return std::nullopt;
  if (!IsCalendar(def)) {
    // The bucket must have room for `cost` at s: max(tat, s) - s <= slack.
    const int64_t slack = MicrosFloor(def, EffectiveBurst(def) - cost);
    return std::max(now, SubSat(state.tat, slack));
  }
  const int64_t current = CalendarWindowStart(def, now);
  if (state.window_start < current) return now;  // the counted window is over: fresh window
  const bool fits = AddSat(state.used, cost) <= def.limit;
  if (state.window_start == current) return fits ? now : AddSat(current, def.window_micros);
  // The current window is closed (the state already counts in a later window).
  return fits ? state.window_start : AddSat(state.window_start, def.window_micros);
}

LimitState Charge(const LimitDef& def, const LimitState& state, int64_t cost, int64_t start) {
  LimitState next = state;
  if (!IsCalendar(def)) {
    next.tat = AddSat(std::max(state.tat, start), MicrosCeil(def, cost));
    next.charged = AddSat(state.charged, cost);
    return next;
  }
  const int64_t window = CalendarWindowStart(def, start);
  if (window > state.window_start) {
    // The start lies in a later window: whatever was counted before belongs to a window
    // that is over or, if it is the current one, is now closed (see the file comment).
    next.window_start = window;
    next.used = cost;
  } else {
    // Same window. (An earlier window would break the precondition; counting the cost in
    // the state's window keeps even that case strict.)
    next.used = AddSat(state.used, cost);
  }
  return next;
}

LimitState Reconcile(const LimitDef& def, const LimitState& state, int64_t reservation_start, int64_t delta,
                     int64_t now) {
  LimitState next = state;
  if (delta == 0) return next;
  if (!IsCalendar(def)) {
    if (delta > 0) {
      next.tat = AddSat(std::max(state.tat, now), MicrosCeil(def, delta));
    } else if (state.tat > now) {
      // Refund rounded down, and never past an empty bucket: tat below now would not add
      // capacity anyway, and clamping keeps a late refund from undoing later charges.
      const int64_t refund = Saturate(FloorDiv(-Int128{delta} * def.window_micros, def.limit));
      next.tat = std::max(now, SubSat(state.tat, refund));
    }
    return next;
  }
  const int64_t window = CalendarWindowStart(def, reservation_start);
  if (state.window_start != window || now >= AddSat(window, def.window_micros)) return next;
  next.used = std::max<int64_t>(0, AddSat(state.used, delta));
  return next;
}

LimitState Observe(const LimitDef& def, const LimitState& state, int64_t now, int64_t remaining, int64_t reset_at) {
  LimitState next = state;
  if (remaining < 0) return next;
  const int64_t capacity = EffectiveBurst(def);
  const int64_t server_left = std::min(remaining, capacity);
  if (!IsCalendar(def)) {
    if (server_left == capacity) return next;  // the server allows a full bucket: nothing to tighten
    // Holding capacity - server_left units at now leaves at most server_left.
    int64_t floor_tat = AddSat(now, MicrosCeil(def, capacity - server_left));
    if (server_left == 0) floor_tat = std::max(floor_tat, reset_at);
    next.tat = std::max(state.tat, floor_tat);
    return next;
  }
  const int64_t current = CalendarWindowStart(def, now);
  const int64_t min_used = def.limit - server_left;
  if (state.window_start < current) {
    next.window_start = current;
    next.used = min_used;
  } else if (state.window_start == current) {
    next.used = std::max(state.used, min_used);
  }
  // A closed current window already admits nothing: no change needed.
  return next;
}

LimitState ObserveAnswer(const LimitDef& def, const LimitState& state, int64_t now, int64_t remaining,
                         int64_t reset_at, const AnsweredCharge& answered) {
  LimitState next = Observe(def, state, now, remaining, reset_at);
  if (remaining < 0 || IsCalendar(def)) return next;
  const Int128 charged_since = Int128{state.charged} - answered.charged;
  if (charged_since <= 0) return next;  // nothing charged since that the server had not counted
  const int64_t capacity = EffectiveBurst(def);
  const Int128 server_used = capacity - std::min(remaining, capacity);
  // The server's bucket as it admitted the request, with everything charged since added
  // as GCRA adds it, in the local frame where the request started at answered.start.
  const Int128 held = CeilDiv((server_used + charged_since) * def.window_micros, def.limit);
  next.tat = std::max(next.tat, Saturate(Int128{answered.start} + held));
  return next;
}

ScopeBlock ExtendBlock(const ScopeBlock& block, int64_t until) {
  ScopeBlock next = block;
  next.until_micros = std::max(block.until_micros, until);
  return next;
}

LimitUsage UsageAt(const LimitDef& def, const LimitState& state, int64_t now) {
  LimitUsage u;
  u.limit = def.limit;
  u.burst = EffectiveBurst(def);
  u.source = def.source;
  if (!IsCalendar(def)) {
    u.used = RollingUsed(def, state, now);
    u.reset_micros = std::max(state.tat, now);
  } else {
    const int64_t current = CalendarWindowStart(def, now);
    if (state.window_start == current) {
      u.used = state.used;
    } else if (state.window_start > current) {
      u.used = def.limit;  // closed by a reservation in a later window
    }
    u.reset_micros = AddSat(current, def.window_micros);
  }
  u.remaining = std::max<int64_t>(0, u.burst - u.used);
  return u;
}

LimitState CarryOver(const LimitDef& before, const LimitDef& after, const LimitState& state, int64_t now) {
  if (before.limit == after.limit && before.calendar_offset_micros == after.calendar_offset_micros) return state;
  const int64_t used = UsageAt(before, state, now).used;
  LimitState next = state;
  if (!IsCalendar(after)) {
    // An empty bucket (tat <= now) stays as it is: it holds nothing to carry.
    if (used > 0) next.tat = AddSat(now, MicrosCeil(after, used));
    return next;
  }
  // Windows stay where they are unless the offset moves them; units are units.
  if (before.calendar_offset_micros == after.calendar_offset_micros) return next;
  const int64_t old_current = CalendarWindowStart(before, now);
  const int64_t new_current = CalendarWindowStart(after, now);
  if (state.window_start == old_current) {
    next.window_start = new_current;
    next.used = used;
  } else if (state.window_start > old_current) {
    // A reservation sits in a later window: it stays counted in the new window holding its
    // start, and the new current window is closed like the old one was.
    next.window_start = CalendarWindowStart(after, state.window_start);
    if (next.window_start <= new_current) {
      next.window_start = new_current;
      next.used = std::max(state.used, after.limit);
    }
  }
  return next;
}

ClockCheckResult ClockCheck(int64_t hwm, int64_t now) {
  ClockCheckResult r;
  if (hwm > 0 && now < SubSat(hwm, kClockStepToleranceMicros)) {
    r.step_back_micros = hwm - now;
    r.new_hwm = now;
  } else {
    r.new_hwm = std::max(hwm, now);
  }
  return r;
}

LimitState Rebase(const LimitDef& def, const LimitState& state, int64_t step_back_micros, int64_t now) {
  LimitState next = state;
  if (step_back_micros <= 0) return next;
  if (!IsCalendar(def)) {
    if (state.tat > 0) next.tat = SubSat(state.tat, step_back_micros);
    return next;
  }
  const int64_t current = CalendarWindowStart(def, now);
  if (state.window_start > current) next.window_start = current;
  return next;
}

ScopeBlock Rebase(const ScopeBlock& block, int64_t step_back_micros) {
  ScopeBlock next = block;
  if (step_back_micros > 0 && block.until_micros > 0) {
    next.until_micros = SubSat(block.until_micros, step_back_micros);
  }
  return next;
}

}  // namespace llmgate::internal
