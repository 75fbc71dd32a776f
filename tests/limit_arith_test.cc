// The pure limiter core: per-limit arithmetic (bucket.h) and multi-limit planning (plan.h).
// Time is always a parameter; nothing here sleeps or reads a clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "limit/bucket.h"
#include "limit/limit_spec.h"
#include "limit/plan.h"

namespace llmgate::internal {
namespace {

using Int128 = __int128;

constexpr int64_t kSec = kMicrosPerSecond;
constexpr int64_t kMin = kMicrosPerMinute;
constexpr int64_t kHour = kMicrosPerHour;
constexpr int64_t kDay = kMicrosPerDay;
// 2023-11-14 00:00:00 UTC: a day boundary, so calendar windows are easy to read.
constexpr int64_t kDay0 = int64_t{1'699'920'000} * kSec;
constexpr int64_t kT = kDay0 + 10 * kHour + 123'456;

LimitDef Rolling(std::string dimension, int64_t limit, int64_t window, int64_t burst = 0,
                 std::string scope = "s") {
  LimitDef d;
  d.scope = std::move(scope);
  d.dimension = std::move(dimension);
  d.limit = limit;
  d.window_micros = window;
  d.burst = burst;
  return d;
}

LimitDef Calendar(std::string dimension, int64_t limit, int64_t window, int64_t offset = 0,
                  std::string scope = "s") {
  LimitDef d = Rolling(std::move(dimension), limit, window, 0, std::move(scope));
  d.kind = LimitKind::kCalendar;
  d.calendar_offset_micros = offset;
  return d;
}

int64_t Earliest(const LimitDef& def, const LimitState& state, int64_t cost, int64_t now) {
  std::optional<int64_t> e = EarliestStart(def, state, cost, now);
  EXPECT_TRUE(e.has_value()) << "cost " << cost << " refused as too large";
  return e.value_or(-1);
}

// Takes `cost` at `now` if it fits right away; returns whether it did.
bool TakeNow(const LimitDef& def, LimitState* state, int64_t cost, int64_t now) {
  std::optional<int64_t> e = EarliestStart(def, *state, cost, now);
  if (!e || *e != now) return false;
  *state = Charge(def, *state, cost, now);
  return true;
}

AcquireRequest Req(std::vector<std::string> scopes, std::vector<Cost> costs, int64_t now, int64_t max_wait = 0) {
  AcquireRequest r;
  r.scopes = std::move(scopes);
  r.costs = std::move(costs);
  r.now = now;
  r.max_wait_micros = max_wait;
  return r;
}

AcquirePlan Plan(const std::vector<LimitEntry>& limits, const AcquireRequest& request,
                 const std::vector<ScopeBlock>& blocks = {}) {
  Result<AcquirePlan> plan = PlanAcquire(limits, blocks, request);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return AcquirePlan{};
  EXPECT_EQ(plan->states.size(), limits.size());
  return *plan;
}

// What the store does after a plan: write back the states.
void Commit(std::vector<LimitEntry>* limits, const std::vector<LimitState>& states) {
  ASSERT_EQ(states.size(), limits->size());
  for (size_t i = 0; i < states.size(); ++i) (*limits)[i].state = states[i];
}

std::vector<LimitState> StatesOf(const std::vector<LimitEntry>& limits) {
  std::vector<LimitState> s;
  for (const LimitEntry& e : limits) s.push_back(e.state);
  return s;
}

// ---------------------------------------------------------------------------------------
// Rolling limits

TEST(RollingTest, FreshBucketGrantsItsWholeBurstAtOnce) {
  const LimitDef rpm = Rolling("requests", 60, kMin);
  LimitState s;
  EXPECT_EQ(Earliest(rpm, s, 60, kT), kT);
  s = Charge(rpm, s, 60, kT);
  EXPECT_EQ(s.tat, kT + kMin);
  EXPECT_EQ(UsageAt(rpm, s, kT).remaining, 0);
  EXPECT_EQ(Earliest(rpm, s, 1, kT), kT + kSec);  // 60 per minute: one per second
}

TEST(RollingTest, CostEqualToBurstPassesOnceThenWaitsExactlyOneWindow) {
  const LimitDef tpm = Rolling("tokens", 100, kMin);
  LimitState s = Charge(tpm, {}, 100, kT);
  EXPECT_EQ(Earliest(tpm, s, 100, kT), kT + kMin);
  EXPECT_EQ(Earliest(tpm, s, 100, kT + 30 * kSec), kT + kMin);
  EXPECT_EQ(UsageAt(tpm, s, kT + kMin - 1).remaining, 99);
  EXPECT_EQ(UsageAt(tpm, s, kT + kMin).remaining, 100);
  EXPECT_TRUE(TakeNow(tpm, &s, 100, kT + kMin));
  EXPECT_FALSE(TakeNow(tpm, &s, 1, kT + kMin));

  // With a burst below the limit the same holds for the burst: it refills in burst/rate.
  const LimitDef small = Rolling("tokens", 100, kMin, 10);
  LimitState t = Charge(small, {}, 10, kT);
  EXPECT_EQ(Earliest(small, t, 10, kT), kT + 6 * kSec);
}

TEST(RollingTest, BurstBelowLimitCapsWhatIdleTimeSaves) {
  const LimitDef rpm = Rolling("requests", 600, kMin, 10);  // one per 100 ms, at most 10 at once
  LimitState s;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(TakeNow(rpm, &s, 1, kT)) << i;
  EXPECT_FALSE(TakeNow(rpm, &s, 1, kT));
  EXPECT_EQ(Earliest(rpm, s, 1, kT), kT + 100'000);

  // An hour of idleness refills the bucket, not 600 requests' worth.
  const int64_t later = kT + kHour;
  EXPECT_EQ(UsageAt(rpm, s, later).remaining, 10);
  int granted = 0;
  while (TakeNow(rpm, &s, 1, later)) ++granted;
  EXPECT_EQ(granted, 10);
}

TEST(RollingTest, BurstAboveLimit) {
  const LimitDef rpm = Rolling("requests", 10, kMin, 30);
  LimitState s;
  EXPECT_TRUE(TakeNow(rpm, &s, 30, kT));
  EXPECT_EQ(Earliest(rpm, s, 1, kT), kT + 6 * kSec);
  EXPECT_FALSE(EarliestStart(rpm, s, 31, kT).has_value());
}

TEST(RollingTest, RefillIsExactWithNonIntegerRates) {
  const LimitDef rpm = Rolling("requests", 7, kMin);  // 8'571'428.57 us per request
  LimitState s = Charge(rpm, {}, 7, kT);
  for (int64_t k = 1; k <= 7; ++k) {
    const int64_t refilled = kT + (k * kMin + 6) / 7;  // ceil(k * W / L)
    EXPECT_EQ(UsageAt(rpm, s, refilled).remaining, k) << k;
    EXPECT_EQ(UsageAt(rpm, s, refilled - 1).remaining, k - 1) << k;
  }

  // A long run of single requests, each at its earliest start: never earlier than exact
  // GCRA, and late by at most the 1 us rounding of each request.
  LimitState run;
  for (int64_t i = 0; i < 7000; ++i) {
    const int64_t start = Earliest(rpm, run, 1, kT);
    run = Charge(rpm, run, 1, start);
    const Int128 exact_times_7 = Int128{kT} * 7 + Int128{std::max<int64_t>(0, i - 6)} * kMin;
    ASSERT_GE(Int128{start} * 7, exact_times_7) << i;
    ASSERT_LE(Int128{start} * 7, exact_times_7 + 7 * (i + 1)) << i;
  }
}

TEST(RollingTest, CostAboveCapacityIsRefusedAtOnce) {
  const LimitDef tpm = Rolling("tokens", 1000, kMin);
  EXPECT_FALSE(EarliestStart(tpm, {}, 1001, kT).has_value());
  EXPECT_TRUE(EarliestStart(tpm, {}, 1000, kT).has_value());

  std::vector<LimitEntry> limits = {{Rolling("requests", 5, kMin), {}}, {tpm, {}}};
  const AcquirePlan plan = Plan(limits, Req({"s"}, {{"requests", 1}, {"tokens", 5000}}, kT, kDay));
  EXPECT_EQ(plan.outcome, PlanOutcome::kTooLarge);
  EXPECT_EQ(plan.binding_limit, 1);
  EXPECT_EQ(plan.binding_name, "tpm");
  EXPECT_EQ(plan.binding_cost, 5000);
  EXPECT_EQ(plan.binding_capacity, 1000);
  EXPECT_EQ(plan.states, StatesOf(limits));
  EXPECT_TRUE(plan.charged.empty());
  const Status st = PlanStatus(plan, kT);
  EXPECT_EQ(st.code(), StatusCode::kRequestTooLarge);
  EXPECT_NE(st.message().find("tpm"), std::string::npos) << st.message();
  EXPECT_FALSE(st.IsRetryable());
}

// ---------------------------------------------------------------------------------------
// Calendar limits

TEST(CalendarTest, FullWindowWaitsForTheNextBoundary) {
  const LimitDef rpd = Calendar("requests", 100, kDay);
  EXPECT_EQ(CalendarWindowStart(rpd, kDay0 + 5 * kHour), kDay0);
  EXPECT_EQ(CalendarWindowStart(rpd, kDay0), kDay0);
  EXPECT_EQ(CalendarWindowStart(rpd, kDay0 - 1), kDay0 - kDay);

  LimitState s;
  EXPECT_TRUE(TakeNow(rpd, &s, 60, kDay0 + kHour));
  EXPECT_TRUE(TakeNow(rpd, &s, 40, kDay0 + 2 * kHour));
  EXPECT_FALSE(TakeNow(rpd, &s, 1, kDay0 + 3 * kHour));
  EXPECT_EQ(Earliest(rpd, s, 1, kDay0 + 3 * kHour), kDay0 + kDay);
  EXPECT_EQ(Earliest(rpd, s, 1, kDay0 + kDay - 1), kDay0 + kDay);
  // At the boundary the whole limit is back, at once.
  EXPECT_TRUE(TakeNow(rpd, &s, 100, kDay0 + kDay));
  EXPECT_EQ(s.window_start, kDay0 + kDay);
  EXPECT_EQ(s.used, 100);
  EXPECT_FALSE(EarliestStart(rpd, s, 101, kDay0).has_value());
}

TEST(CalendarTest, OffsetMovesTheBoundary) {
  const LimitDef rpd = Calendar("requests", 10, kDay, 9 * kHour);  // days start at 09:00 UTC
  EXPECT_EQ(CalendarWindowStart(rpd, kDay0 + 8 * kHour), kDay0 - 15 * kHour);
  EXPECT_EQ(CalendarWindowStart(rpd, kDay0 + 9 * kHour), kDay0 + 9 * kHour);
  LimitState s;
  EXPECT_TRUE(TakeNow(rpd, &s, 10, kDay0 + 8 * kHour));
  EXPECT_EQ(Earliest(rpd, s, 1, kDay0 + 8 * kHour + 59 * kMin), kDay0 + 9 * kHour);
  EXPECT_TRUE(TakeNow(rpd, &s, 10, kDay0 + 9 * kHour));
  EXPECT_EQ(UsageAt(rpd, s, kDay0 + 9 * kHour).reset_micros, kDay0 + kDay + 9 * kHour);

  const LimitDef per_min = Calendar("requests", 1, kMin, 30 * kSec);
  LimitState m;
  EXPECT_TRUE(TakeNow(per_min, &m, 1, kDay0 + 29 * kSec));
  EXPECT_EQ(Earliest(per_min, m, 1, kDay0 + 29 * kSec), kDay0 + 30 * kSec);
}

TEST(CalendarTest, ReservationInTheNextWindowClosesTheCurrentOne) {
  const LimitDef rpd = Calendar("requests", 100, kDay);
  std::vector<LimitEntry> limits = {{rpd, {}}};
  const int64_t now = kDay0 + 23 * kHour;
  const int64_t next = kDay0 + kDay;
  Commit(&limits, Plan(limits, Req({"s"}, {{"requests", 90}}, now)).states);

  const AcquirePlan a = Plan(limits, Req({"s"}, {{"requests", 20}}, now, 2 * kHour));
  ASSERT_EQ(a.outcome, PlanOutcome::kGranted);
  EXPECT_EQ(a.start_micros, next);
  Commit(&limits, a.states);
  EXPECT_EQ(limits[0].state.window_start, next);
  EXPECT_EQ(limits[0].state.used, 20);

  // The 10 left today are no longer offered: the next request queues behind, in the next
  // window, and the report says so.
  const AcquirePlan b = Plan(limits, Req({"s"}, {{"requests", 5}}, now, 2 * kHour));
  ASSERT_EQ(b.outcome, PlanOutcome::kGranted);
  EXPECT_EQ(b.start_micros, next);
  Commit(&limits, b.states);
  EXPECT_EQ(limits[0].state.used, 25);
  const LimitUsage today = UsageAt(rpd, limits[0].state, now);
  EXPECT_EQ(today.remaining, 0);
  EXPECT_EQ(today.reset_micros, next);
  EXPECT_EQ(UsageAt(rpd, limits[0].state, next).used, 25);

  // What does not fit in the next window goes to the one after.
  const AcquirePlan c = Plan(limits, Req({"s"}, {{"requests", 80}}, now, 2 * kDay));
  ASSERT_EQ(c.outcome, PlanOutcome::kGranted);
  EXPECT_EQ(c.start_micros, next + kDay);
}

// ---------------------------------------------------------------------------------------
// Planning across limits

TEST(PlanTest, ChargesEveryLimitAsOfTheStart) {
  const LimitDef rpm = Rolling("requests", 1, kMin);  // one request per minute
  const LimitDef tpm = Rolling("tokens", 100, kMin);
  std::vector<LimitEntry> limits = {{rpm, {}}, {tpm, Charge(tpm, {}, 100, kT - 10 * kSec)}};

  // Tokens are back only at kT + 50 s, so the request starts then.
  const AcquirePlan plan = Plan(limits, Req({"s"}, {{"requests", 1}, {"tokens", 100}}, kT, kMin));
  ASSERT_EQ(plan.outcome, PlanOutcome::kGranted);
  EXPECT_EQ(plan.start_micros, kT + 50 * kSec);
  EXPECT_EQ(plan.binding_name, "tpm");
  EXPECT_EQ(plan.charged, (std::vector<int>{0, 1}));
  // The request limit is occupied from the real start, not from now.
  EXPECT_EQ(plan.states[0], Charge(rpm, {}, 1, kT + 50 * kSec));
  EXPECT_EQ(plan.states[0].tat, kT + 110 * kSec);
  Commit(&limits, plan.states);

  // So the next request is a full minute after the first one's start. Charged as of now,
  // it would have been allowed at kT + 60 s, 10 s after the first.
  const AcquirePlan next = Plan(limits, Req({"s"}, {{"requests", 1}}, kT, 5 * kMin));
  EXPECT_EQ(next.start_micros, kT + 110 * kSec);
}

TEST(PlanTest, AllOrNothingAcrossDimensions) {
  const LimitDef rpm = Rolling("requests", 500, kMin, 0, "key:a");
  const LimitDef tpm = Rolling("tokens", 10000, kMin, 0, "key:a");
  std::vector<LimitEntry> limits = {{rpm, {}}, {tpm, Charge(tpm, {}, 10000, kT)}};

  const AcquirePlan plan = Plan(limits, Req({"key:a"}, {{"requests", 1}, {"tokens", 1000}}, kT, kSec));
  EXPECT_EQ(plan.outcome, PlanOutcome::kDenied);
  EXPECT_EQ(plan.states, StatesOf(limits));  // the free RPM is untouched
  EXPECT_TRUE(plan.charged.empty());
  EXPECT_EQ(plan.binding_limit, 1);
  EXPECT_EQ(plan.binding_scope, "key:a");
  EXPECT_EQ(plan.binding_name, "tpm");
  EXPECT_EQ(plan.start_micros, kT + 6 * kSec);  // 1000 tokens at 10000/min

  const Status st = PlanStatus(plan, kT);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(st.retry_after().has_value());
  EXPECT_EQ(st.retry_after()->count(), 6000);
  EXPECT_NE(st.message().find("tpm limit of scope 'key:a'"), std::string::npos) << st.message();

  // Retry after is rounded up to whole milliseconds, never down.
  AcquirePlan odd = plan;
  odd.start_micros = kT + 1001;
  EXPECT_EQ(PlanStatus(odd, kT).retry_after()->count(), 2);
}

TEST(PlanTest, DimensionWithoutCostIsNotChecked) {
  const LimitDef rpm = Rolling("requests", 500, kMin);
  const LimitDef tpm = Rolling("tokens", 10000, kMin);
  std::vector<LimitEntry> limits = {{rpm, {}}, {tpm, Charge(tpm, {}, 10000, kT)}};
  for (const std::vector<Cost>& costs :
       {std::vector<Cost>{{"requests", 1}}, std::vector<Cost>{{"requests", 1}, {"tokens", 0}}}) {
    const AcquirePlan plan = Plan(limits, Req({"s"}, costs, kT));
    ASSERT_EQ(plan.outcome, PlanOutcome::kGranted);
    EXPECT_EQ(plan.start_micros, kT);
    EXPECT_EQ(plan.charged, std::vector<int>{0});
    EXPECT_EQ(plan.states[1], limits[1].state);
    EXPECT_EQ(plan.reservation.costs.size(), 1u);
  }
}

TEST(PlanTest, DrawsFromEveryNamedScopeAndNoOther) {
  std::vector<LimitEntry> limits = {
      {Rolling("requests", 10, kMin, 0, "key:a"), {}},
      {Rolling("tokens", 1000, kMin, 0, "group:g"), {}},
      {Rolling("tokens", 1000, kMin, 0, "model:m"), {}},
      {Calendar("tokens", 5000, kDay, 0, "global"), {}},
      {Rolling("requests", 1, kMin, 0, "key:b"), Charge(Rolling("requests", 1, kMin), {}, 1, kT)},
  };
  const AcquirePlan plan =
      Plan(limits, Req({"key:a", "group:g", "global"}, {{"requests", 1}, {"tokens", 300}}, kT));
  ASSERT_EQ(plan.outcome, PlanOutcome::kGranted);
  EXPECT_EQ(plan.charged, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(plan.states[2], limits[2].state);
  EXPECT_EQ(plan.states[4], limits[4].state);
  EXPECT_EQ(UsageAt(limits[1].def, plan.states[1], kT).used, 300);
  EXPECT_EQ(UsageAt(limits[3].def, plan.states[3], kT).used, 300);
}

TEST(PlanTest, FutureReservationsQueueOneAfterAnother) {
  std::vector<LimitEntry> limits = {{Rolling("requests", 1, 10 * kSec), {}}};
  for (int i = 0; i < 3; ++i) {
    const AcquirePlan p = Plan(limits, Req({"s"}, {{"requests", 1}}, kT, kMin));
    ASSERT_EQ(p.outcome, PlanOutcome::kGranted);
    EXPECT_EQ(p.start_micros, kT + i * 10 * kSec) << i;
    Commit(&limits, p.states);
  }
  const AcquirePlan late = Plan(limits, Req({"s"}, {{"requests", 1}}, kT, 25 * kSec));
  EXPECT_EQ(late.outcome, PlanOutcome::kDenied);
  EXPECT_EQ(late.start_micros, kT + 30 * kSec);

  // Calendar windows queue whole windows ahead.
  std::vector<LimitEntry> cal = {{Calendar("requests", 2, kMin), {}}};
  const int64_t now = kDay0 + 10 * kSec;
  const int64_t expected[] = {now, now, kDay0 + kMin, kDay0 + kMin, kDay0 + 2 * kMin};
  for (int64_t want : expected) {
    const AcquirePlan p = Plan(cal, Req({"s"}, {{"requests", 1}}, now, 5 * kMin));
    ASSERT_EQ(p.outcome, PlanOutcome::kGranted);
    EXPECT_EQ(p.start_micros, want);
    Commit(&cal, p.states);
  }
}

TEST(PlanTest, MaxWaitZeroGrantsOnlyNow) {
  std::vector<LimitEntry> limits = {{Rolling("requests", 1, kSec), {}}};
  Commit(&limits, Plan(limits, Req({"s"}, {{"requests", 1}}, kT)).states);
  EXPECT_EQ(Plan(limits, Req({"s"}, {{"requests", 1}}, kT + kSec - 1)).outcome, PlanOutcome::kDenied);
  EXPECT_EQ(Plan(limits, Req({"s"}, {{"requests", 1}}, kT + kSec)).outcome, PlanOutcome::kGranted);
}

TEST(PlanTest, CostsOfOneDimensionAddUpAndMustNotBeNegative) {
  std::vector<LimitEntry> limits = {{Rolling("tokens", 100, kMin), {}}};
  const AcquirePlan p = Plan(limits, Req({"s"}, {{"tokens", 60}, {"tokens", 50}}, kT));
  EXPECT_EQ(p.outcome, PlanOutcome::kTooLarge);
  EXPECT_EQ(p.binding_cost, 110);

  Result<AcquirePlan> bad = PlanAcquire(limits, {}, Req({"s"}, {{"tokens", -1}}, kT));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  Result<AcquirePlan> bad_wait = PlanAcquire(limits, {}, Req({"s"}, {{"tokens", 1}}, kT, -1));
  EXPECT_EQ(bad_wait.status().code(), StatusCode::kInvalidArgument);
  std::vector<LimitEntry> invalid = {{Rolling("tokens", 0, kMin), {}}};
  EXPECT_EQ(PlanAcquire(invalid, {}, Req({"s"}, {{"tokens", 1}}, kT)).status().code(),
            StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------
// Reconcile and cancel

TEST(ReconcileTest, ChargesAndRefundsTheDifference) {
  const LimitDef rpm = Rolling("requests", 100, kMin);
  const LimitDef tpm = Rolling("tokens", 6000, kMin);  // 10 ms per token
  std::vector<LimitEntry> limits = {{rpm, {}}, {tpm, {}}};
  const AcquirePlan plan = Plan(limits, Req({"s"}, {{"requests", 1}, {"tokens", 1000}}, kT));
  Commit(&limits, plan.states);
  EXPECT_EQ(limits[1].state.tat, kT + 10 * kSec);
  const LimitState rpm_after_acquire = limits[0].state;

  // Used 600 of the 1000 reserved: 400 come back.
  Result<ReconcilePlan> down = PlanReconcile(limits, plan.reservation, {{"tokens", 600}}, kT + kSec);
  ASSERT_TRUE(down.ok());
  Commit(&limits, down->states);
  EXPECT_EQ(limits[1].state.tat, kT + 6 * kSec);
  EXPECT_EQ(limits[0].state, rpm_after_acquire);  // requests not named: reservation kept
  EXPECT_EQ(down->reservation.costs.size(), 2u);
  EXPECT_EQ(down->reservation.costs[1].amount, 600);

  // A second reconcile against the updated reservation charges only the new difference.
  Result<ReconcilePlan> up = PlanReconcile(limits, down->reservation, {{"tokens", 1100}}, kT + 2 * kSec);
  ASSERT_TRUE(up.ok());
  Commit(&limits, up->states);
  EXPECT_EQ(limits[1].state.tat, kT + 11 * kSec);

  // Usage in a dimension nothing was reserved for is charged in full.
  std::vector<LimitEntry> img = {{Rolling("images", 10, kMin), {}}};
  Result<ReconcilePlan> extra = PlanReconcile(img, plan.reservation, {{"images", 2}}, kT);
  ASSERT_TRUE(extra.ok());
  EXPECT_EQ(UsageAt(img[0].def, extra->states[0], kT).used, 2);
  EXPECT_FALSE(PlanReconcile(limits, plan.reservation, {{"tokens", -5}}, kT).ok());

  // Calendar usage moves by the same difference.
  const LimitDef tpd = Calendar("tokens", 5000, kDay);
  std::vector<LimitEntry> cal = {{tpd, {}}};
  const AcquirePlan cp = Plan(cal, Req({"s"}, {{"tokens", 1000}}, kT));
  Commit(&cal, cp.states);
  Result<ReconcilePlan> cal_down = PlanReconcile(cal, cp.reservation, {{"tokens", 700}}, kT + kSec);
  Commit(&cal, cal_down->states);
  EXPECT_EQ(cal[0].state.used, 700);
  Commit(&cal, PlanReconcile(cal, cal_down->reservation, {{"tokens", 1500}}, kT + kSec)->states);
  EXPECT_EQ(cal[0].state.used, 1500);
}

TEST(ReconcileTest, CancelRefundsTheWholeReservation) {
  std::vector<LimitEntry> limits = {{Rolling("requests", 10, kMin), {}},
                                    {Rolling("tokens", 1000, kMin), {}},
                                    {Calendar("tokens", 5000, kDay), {}}};
  Commit(&limits, Plan(limits, Req({"s"}, {{"requests", 3}, {"tokens", 200}}, kT)).states);
  const std::vector<LimitState> before = StatesOf(limits);
  const AcquirePlan plan = Plan(limits, Req({"s"}, {{"requests", 1}, {"tokens", 500}}, kT));
  Commit(&limits, plan.states);
  const std::vector<LimitState> charged = StatesOf(limits);
  Commit(&limits, PlanCancel(limits, plan.reservation, kT));
  for (size_t i = 0; i < limits.size(); ++i) {
    const LimitState& after = limits[i].state;
    EXPECT_EQ(after.tat, before[i].tat) << i;
    EXPECT_EQ(after.window_start, before[i].window_start) << i;
    EXPECT_EQ(after.used, before[i].used) << i;
    // The count of units acquires charged stays (see LimitState::charged).
    EXPECT_EQ(after.charged, charged[i].charged) << i;
  }
}

TEST(ReconcileTest, RefundsNeverGiveMoreThanAFullBucket) {
  const LimitDef tpm = Rolling("tokens", 100, kMin);
  const LimitState charged = Charge(tpm, {}, 100, kT);  // full until kT + 1 min

  // Half drained: refunding everything empties the bucket, no further.
  const LimitState half = Reconcile(tpm, charged, kT, -100, kT + 30 * kSec);
  EXPECT_EQ(half.tat, kT + 30 * kSec);
  EXPECT_EQ(UsageAt(tpm, half, kT + 30 * kSec).remaining, 100);
  EXPECT_EQ(Earliest(tpm, Charge(tpm, half, 100, kT + 30 * kSec), 1, kT + 30 * kSec), kT + 30 * kSec + 600'000);

  // Fully drained: a late refund changes nothing.
  EXPECT_EQ(Reconcile(tpm, charged, kT, -100, kT + 2 * kMin), charged);
  // A refund larger than what was ever charged stops at an empty bucket too.
  EXPECT_EQ(Reconcile(tpm, charged, kT, -1'000'000, kT).tat, kT);

  const LimitDef tpd = Calendar("tokens", 1000, kDay);
  const LimitState day = Charge(tpd, {}, 10, kDay0 + kHour);
  EXPECT_EQ(Reconcile(tpd, day, kDay0 + kHour, -50, kDay0 + 2 * kHour).used, 0);
  // The reservation's window has ended: nothing happens, either way.
  EXPECT_EQ(Reconcile(tpd, day, kDay0 + kHour, -10, kDay0 + kDay + kHour), day);
  EXPECT_EQ(Reconcile(tpd, day, kDay0 + kHour, +10, kDay0 + kDay + kHour), day);
  // The state has moved on to a later window: a refund of yesterday gives nothing today.
  const LimitState today = Charge(tpd, day, 900, kDay0 + kDay + kHour);
  EXPECT_EQ(Reconcile(tpd, today, kDay0 + kHour, -10, kDay0 + kDay + 2 * kHour), today);
}

// ---------------------------------------------------------------------------------------
// The server's view

TEST(ObserveTest, TightensRollingToTheServersRemainingButNeverLoosens) {
  const LimitDef rpm = Rolling("requests", 100, kMin);  // 600 ms per request
  LimitState s = Observe(rpm, {}, kT, 10, kT + 54 * kSec);
  EXPECT_EQ(UsageAt(rpm, s, kT).remaining, 10);
  EXPECT_EQ(s.tat, kT + 54 * kSec);

  // More remaining on the server than here: nothing changes.
  EXPECT_EQ(Observe(rpm, s, kT, 50, kT + kSec), s);
  EXPECT_EQ(Observe(rpm, s, kT, 1000, kT), s);
  // Unknown (-1): nothing changes.
  EXPECT_EQ(Observe(rpm, s, kT, -1, kT + kDay), s);
  // Less: tighter again.
  const LimitState tighter = Observe(rpm, s, kT + kSec, 2, kT + 2 * kSec);
  EXPECT_LE(UsageAt(rpm, tighter, kT + kSec).remaining, 2);

  // Nothing left on the server: wait at least for its reset, even beyond one window.
  const LimitState empty = Observe(rpm, {}, kT, 0, kT + 5 * kMin);
  EXPECT_EQ(empty.tat, kT + 5 * kMin);
  EXPECT_EQ(UsageAt(rpm, empty, kT).remaining, 0);
  EXPECT_EQ(UsageAt(rpm, empty, kT).reset_micros, kT + 5 * kMin);
  EXPECT_GE(Earliest(rpm, empty, 1, kT), kT + 4 * kMin);
  // ...and a reset sooner than the local refill does not loosen anything.
  const LimitState soon = Observe(rpm, {}, kT, 0, kT + kSec);
  EXPECT_EQ(soon.tat, kT + kMin);
}

TEST(ObserveTest, TightensCalendarUsage) {
  const LimitDef rpd = Calendar("requests", 100, kDay);
  LimitState s = Charge(rpd, {}, 10, kDay0 + kHour);
  s = Observe(rpd, s, kDay0 + 2 * kHour, 30, kDay0 + 3 * kHour);
  EXPECT_EQ(s.used, 70);
  EXPECT_EQ(Observe(rpd, s, kDay0 + 2 * kHour, 80, 0), s);
  // A state from an earlier window starts the current one with the server's usage.
  const LimitState fresh = Observe(rpd, s, kDay0 + kDay + kHour, 95, 0);
  EXPECT_EQ(fresh.window_start, kDay0 + kDay);
  EXPECT_EQ(fresh.used, 5);
}

// The answer to request A says what the server had used when it admitted A. Requests
// charged after A and still on their way are in the local bucket but not in that count,
// so the answer is read as of A: the server's count then, plus everything charged since.
TEST(ObserveAnswerTest, KeepsRequestsSentAfterTheAnsweredOneCounted) {
  const LimitDef tpm = Rolling("tokens", 6000, kMin);  // 10 ms per token
  LimitState s = Charge(tpm, {}, 1000, kT);          // request A
  EXPECT_EQ(s.charged, 1000);
  const AnsweredCharge a{kT, s.charged};
  s = Charge(tpm, s, 1000, kT + kSec);  // request B, sent before A's answer is in

  // Another host had used 2000 more: the server had 3000 in use when it admitted A. At
  // kT + 2 s the bucket here holds 1800 (A and B, 200 refilled); the server's about
  // 3000 + 1000 (B) - 200.
  const int64_t now = kT + 2 * kSec;
  const LimitState read_now = Observe(tpm, s, now, 3000, now + 30 * kSec);
  const LimitState read_at_a = ObserveAnswer(tpm, s, now, 3000, now + 30 * kSec, a);
  EXPECT_EQ(UsageAt(tpm, read_now, now).used, 3000);  // B forgotten
  EXPECT_EQ(UsageAt(tpm, read_at_a, now).used, 3800);  // B kept
  EXPECT_EQ(read_at_a.tat, kT + 40 * kSec);
  EXPECT_EQ(read_at_a.charged, s.charged);  // the count moves with charges only

  // The server agreeing with the bucket here adds nothing, and a view looser than Observe's
  // floor is Observe.
  EXPECT_EQ(ObserveAnswer(tpm, s, now, 5000, now + kSec, a), s);
  EXPECT_EQ(ObserveAnswer(tpm, s, now, 5000, now + kSec, a), Observe(tpm, s, now, 5000, now + kSec));
  const LimitState only_a = Charge(tpm, {}, 1000, kT);
  EXPECT_EQ(ObserveAnswer(tpm, only_a, kT, 3000, kT + 30 * kSec, a), Observe(tpm, only_a, kT, 3000, kT + 30 * kSec));
  // Not reported: unchanged.
  EXPECT_EQ(ObserveAnswer(tpm, s, now, -1, now + kSec, a), s);
}

// Requests on their way together see the same difference from the server; their answers
// must not add it once each.
TEST(ObserveAnswerTest, AnswersOfRequestsOnTheirWayTogetherCountTheServersExcessOnce) {
  const LimitDef tpm = Rolling("tokens", 6000, kMin);
  LimitState s = Charge(tpm, {}, 1000, kT);
  const AnsweredCharge a{kT, s.charged};
  s = Charge(tpm, s, 1000, kT);
  const AnsweredCharge b{kT, s.charged};
  // The server had 2000 more in use than here: 3000 when it admitted A, 4000 at B. Both
  // answers say so; added once per answer, B's would have left 6000 in use.
  s = ObserveAnswer(tpm, s, kT, 3000, kT + 30 * kSec, a);
  EXPECT_EQ(s.tat, kT + 40 * kSec);
  s = ObserveAnswer(tpm, s, kT, 2000, kT + 40 * kSec, b);
  EXPECT_EQ(s.tat, kT + 40 * kSec);
  EXPECT_EQ(UsageAt(tpm, s, kT).used, 4000);
}

TEST(ObserveAnswerTest, CalendarLimitsAreReadAsOfNow) {
  const LimitDef tpd = Calendar("tokens", 10000, kDay);
  const LimitState s = Charge(tpd, Charge(tpd, {}, 1000, kT), 1000, kT + kSec);
  EXPECT_EQ(ObserveAnswer(tpd, s, kT + 2 * kSec, 5000, 0, {kT, 1000}), Observe(tpd, s, kT + 2 * kSec, 5000, 0));
}

TEST(ObserveAnswerTest, TheCountOfUnitsChargedMovesWithChargesOnly) {
  const LimitDef tpm = Rolling("tokens", 6000, kMin);
  LimitState s = Charge(tpm, {}, 1000, kT);
  s = Charge(tpm, s, 500, kT + 2 * kMin);  // after the bucket ran empty: still counted
  EXPECT_EQ(s.charged, 1500);
  const LimitState refunded = Reconcile(tpm, s, kT + 2 * kMin, -200, kT + 2 * kMin);
  EXPECT_LT(refunded.tat, s.tat);
  EXPECT_EQ(refunded.charged, 1500);
  EXPECT_EQ(Reconcile(tpm, s, kT + 2 * kMin, 300, kT + 2 * kMin).charged, 1500);
  EXPECT_EQ(Observe(tpm, s, kT + 2 * kMin, 0, kT + 3 * kMin).charged, 1500);
}

// The plan keeps one mark per rolling limit it charges.
TEST(ObserveAnswerTest, ReservationsMarkEveryRollingLimitTheyCharge) {
  const LimitDef key_tpm = Rolling("tokens", 6000, kMin, 0, "key");
  const LimitDef server_tpm = Rolling("tokens", 60000, kMin, 0, "server");
  const LimitDef server_rpm = Rolling("requests", 100, kMin, 0, "server");
  const LimitDef server_tpd = Calendar("tokens", 1'000'000, kDay, 0, "server");
  const LimitDef other = Rolling("tokens", 6000, kMin, 0, "other");
  std::vector<LimitEntry> limits = {
      {key_tpm, Charge(key_tpm, {}, 500, kT)}, {server_tpm, {}}, {server_rpm, {}}, {server_tpd, {}}, {other, {}}};
  const AcquirePlan plan = Plan(limits, Req({"server", "key"}, {{"requests", 1}, {"tokens", 1000}}, kT));
  ASSERT_EQ(plan.outcome, PlanOutcome::kGranted);
  const Reservation& r = plan.reservation;
  ASSERT_EQ(r.marks.size(), 3u);  // not the calendar limit, not the scope not named
  ASSERT_NE(FindMark(r, key_tpm), nullptr);
  EXPECT_EQ(r.scopes[FindMark(r, key_tpm)->scope], "key");
  EXPECT_EQ(FindMark(r, key_tpm)->charged, 1500);  // the count: with what was charged before
  EXPECT_EQ(plan.states[0].charged, 1500);
  EXPECT_EQ(FindMark(r, server_tpm)->charged, 1000);
  EXPECT_EQ(FindMark(r, server_rpm)->charged, 1);
  EXPECT_EQ(FindMark(r, server_tpd), nullptr);
  EXPECT_EQ(FindMark(r, other), nullptr);
  EXPECT_EQ(FindMark(r, Rolling("tokens", 6000, kHour, 0, "key")), nullptr);  // another window

  // Reconciling keeps them: they say where the acquires' count stood.
  Commit(&limits, plan.states);
  Result<ReconcilePlan> down = PlanReconcile(limits, r, {{"tokens", 400}}, kT + kSec);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(FindMark(down->reservation, key_tpm)->charged, 1500);
  EXPECT_EQ(FindMark(down->reservation, server_tpm)->charged, 1000);
}

// ---------------------------------------------------------------------------------------
// Blocks

TEST(BlockTest, BlockHoldsEveryAcquireOfTheScope) {
  std::vector<LimitEntry> limits = {{Rolling("requests", 100, kMin, 0, "key:a"), {}}};
  std::vector<ScopeBlock> blocks = {{"key:a", kT + 5 * kSec}, {"key:other", kT + kHour}};

  const AcquirePlan waits = Plan(limits, Req({"key:a"}, {{"requests", 1}}, kT, 10 * kSec), blocks);
  ASSERT_EQ(waits.outcome, PlanOutcome::kGranted);
  EXPECT_EQ(waits.start_micros, kT + 5 * kSec);
  EXPECT_EQ(waits.binding_name, "block");
  EXPECT_EQ(waits.binding_limit, -1);
  EXPECT_EQ(waits.states[0], Charge(limits[0].def, {}, 1, kT + 5 * kSec));

  const AcquirePlan denied = Plan(limits, Req({"key:a"}, {{"requests", 1}}, kT, kSec), blocks);
  EXPECT_EQ(denied.outcome, PlanOutcome::kDenied);
  EXPECT_EQ(denied.start_micros, kT + 5 * kSec);
  const Status st = PlanStatus(denied, kT);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("scope 'key:a' is blocked"), std::string::npos) << st.message();

  // A block holds its scope even when no limit of it is involved, and only its scope.
  EXPECT_EQ(Plan({}, Req({"key:a"}, {}, kT), blocks).outcome, PlanOutcome::kDenied);
  EXPECT_EQ(Plan({}, Req({"key:b"}, {}, kT), blocks).outcome, PlanOutcome::kGranted);
  // An expired block is no block.
  EXPECT_EQ(Plan(limits, Req({"key:a"}, {{"requests", 1}}, kT + 5 * kSec), blocks).outcome,
            PlanOutcome::kGranted);

  EXPECT_EQ(ExtendBlock({"key:a", kT + 5 * kSec}, kT + kSec).until_micros, kT + 5 * kSec);
  EXPECT_EQ(ExtendBlock({"key:a", kT + 5 * kSec}, kT + kMin).until_micros, kT + kMin);
}

// ---------------------------------------------------------------------------------------
// Wall-clock steps

TEST(ClockTest, CheckReportsOnlyLargeBackwardSteps) {
  EXPECT_EQ(ClockCheck(0, kT).step_back_micros, 0);
  EXPECT_EQ(ClockCheck(0, kT).new_hwm, kT);
  EXPECT_EQ(ClockCheck(kT, kT + 5).new_hwm, kT + 5);
  const ClockCheckResult jitter = ClockCheck(kT, kT - kClockStepToleranceMicros);
  EXPECT_EQ(jitter.step_back_micros, 0);
  EXPECT_EQ(jitter.new_hwm, kT);
  const ClockCheckResult step = ClockCheck(kT, kT - kHour);
  EXPECT_EQ(step.step_back_micros, kHour);
  EXPECT_EQ(step.new_hwm, kT - kHour);
}

TEST(ClockTest, RebaseAfterABackwardStepLocksNobodyOut) {
  const LimitDef rpm = Rolling("requests", 60, kMin, 0, "k");
  std::vector<LimitEntry> limits = {{rpm, Charge(rpm, {}, 60, kT)}};
  std::vector<ScopeBlock> blocks = {{"k", kT + 10 * kSec}};
  const int64_t hwm = kT;
  const int64_t now = kT - kHour;  // the clock stepped back an hour

  // Without repair the next request would wait an hour and a second.
  EXPECT_EQ(Earliest(rpm, limits[0].state, 1, now), kT + kSec);

  const ClockCheckResult check = ClockCheck(hwm, now);
  ASSERT_EQ(check.step_back_micros, kHour);
  for (LimitEntry& e : limits) e.state = Rebase(e.def, e.state, check.step_back_micros, now);
  for (ScopeBlock& b : blocks) b = Rebase(b, check.step_back_micros);
  EXPECT_EQ(Earliest(rpm, limits[0].state, 1, now), now + kSec);
  EXPECT_EQ(UsageAt(rpm, limits[0].state, now).remaining, 0);  // usage kept, not reset
  EXPECT_EQ(blocks[0].until_micros, now + 10 * kSec);
  const AcquirePlan p = Plan(limits, Req({"k"}, {{"requests", 1}}, now, kMin), blocks);
  EXPECT_EQ(p.start_micros, now + 10 * kSec);

  // Untouched state and absent blocks stay untouched.
  EXPECT_EQ(Rebase(rpm, LimitState{}, kHour, now), LimitState{});
  EXPECT_EQ(Rebase(ScopeBlock{"k", 0}, kHour).until_micros, 0);
}

TEST(ClockTest, CalendarUsageSurvivesABackwardStep) {
  const LimitDef rpd = Calendar("requests", 100, kDay);
  const LimitState s = Charge(rpd, {}, 70, kDay0 + 30 * kMin);
  const int64_t now = kDay0 - 30 * kMin;  // back an hour, into the previous UTC day

  // Unrepaired, the state's day lies ahead and the current day counts as closed.
  EXPECT_EQ(Earliest(rpd, s, 1, now), kDay0);
  const LimitState r = Rebase(rpd, s, kHour, now);
  EXPECT_EQ(r.used, 70);  // never silently reset
  EXPECT_EQ(Earliest(rpd, r, 30, now), now);
  EXPECT_EQ(Earliest(rpd, r, 31, now), kDay0);
  // A step inside the same window changes nothing.
  EXPECT_EQ(Rebase(rpd, s, 10 * kMin, kDay0 + 20 * kMin), s);
}

TEST(ClockTest, ForwardStepGrantsAtMostOneWindow) {
  const LimitDef rpm = Rolling("requests", 60, kMin);
  LimitState s = Charge(rpm, {}, 60, kT);
  const int64_t later = kT + 10 * kDay;
  int granted = 0;
  while (TakeNow(rpm, &s, 1, later)) ++granted;
  EXPECT_EQ(granted, 60);

  const LimitDef rpd = Calendar("requests", 100, kDay);
  LimitState c = Charge(rpd, {}, 100, kDay0 + kHour);
  granted = 0;
  while (TakeNow(rpd, &c, 1, later)) ++granted;
  EXPECT_EQ(granted, 100);
}

// ---------------------------------------------------------------------------------------
// User dimensions and usage reports

TEST(UserDimensionTest, SpendCapPerDay) {
  Result<std::vector<LimitDef>> defs = ParseLimitSpecs("global/usd_micros/1d=5000000;calendar, global/cents/1h=100");
  ASSERT_TRUE(defs.ok()) << defs.status().ToString();
  std::vector<LimitEntry> limits;
  for (const LimitDef& d : *defs) limits.push_back({d, {}});
  const int64_t now = kDay0 + 20 * kHour;

  const AcquirePlan a = Plan(limits, Req({"global"}, {{"usd_micros", 3'000'000}, {"cents", 100}}, now));
  ASSERT_EQ(a.outcome, PlanOutcome::kGranted);
  Commit(&limits, a.states);
  const AcquirePlan b = Plan(limits, Req({"global"}, {{"usd_micros", 3'000'000}}, now, kHour));
  EXPECT_EQ(b.outcome, PlanOutcome::kDenied);
  EXPECT_EQ(b.binding_name, "usd_micros/1d");
  EXPECT_EQ(b.start_micros, kDay0 + kDay);
  const AcquirePlan c = Plan(limits, Req({"global"}, {{"cents", 50}}, now, kHour));
  ASSERT_EQ(c.outcome, PlanOutcome::kGranted);
  EXPECT_EQ(c.start_micros, now + 30 * kMin);
  EXPECT_EQ(c.binding_name, "cents/1h");
}

TEST(UsageTest, ReportsRollingAndCalendarUsage) {
  LimitDef tpm = Rolling("tokens", 6000, kMin, 3000);
  tpm.source = LimitSource::kLearned;
  const LimitState s = Charge(tpm, {}, 1200, kT);
  LimitUsage u = UsageAt(tpm, s, kT);
  EXPECT_EQ(u.limit, 6000);
  EXPECT_EQ(u.burst, 3000);
  EXPECT_EQ(u.used, 1200);
  EXPECT_EQ(u.remaining, 1800);
  EXPECT_EQ(u.reset_micros, kT + 12 * kSec);
  EXPECT_EQ(u.source, LimitSource::kLearned);
  EXPECT_EQ(UsageAt(tpm, s, kT + 6 * kSec).used, 600);
  u = UsageAt(tpm, s, kT + 20 * kSec);
  EXPECT_EQ(u.used, 0);
  EXPECT_EQ(u.remaining, 3000);
  EXPECT_EQ(u.reset_micros, kT + 20 * kSec);
  // A reconcile that charged more than the bucket holds shows as used above the burst.
  EXPECT_EQ(UsageAt(tpm, Reconcile(tpm, s, kT, 3000, kT), kT).used, 4200);
  EXPECT_EQ(UsageAt(tpm, Reconcile(tpm, s, kT, 3000, kT), kT).remaining, 0);

  const LimitDef rpd = Calendar("requests", 100, kDay);
  const LimitState c = Charge(rpd, {}, 30, kDay0 + kHour);
  u = UsageAt(rpd, c, kDay0 + 2 * kHour);
  EXPECT_EQ(u.limit, 100);
  EXPECT_EQ(u.burst, 100);
  EXPECT_EQ(u.used, 30);
  EXPECT_EQ(u.remaining, 70);
  EXPECT_EQ(u.reset_micros, kDay0 + kDay);
  EXPECT_EQ(u.source, LimitSource::kConfigured);
  u = UsageAt(rpd, c, kDay0 + kDay + kHour);
  EXPECT_EQ(u.used, 0);
  EXPECT_EQ(u.reset_micros, kDay0 + 2 * kDay);
}

// ---------------------------------------------------------------------------------------
// Brute force: random traffic never beats the limit

struct Grant {
  int64_t start;
  int64_t cost;
};

// Rolling: every interval [t1, t2] holds at most burst + limit * (t2 - t1) / window. Checking
// each pair of grant starts as the interval's ends covers every interval there is.
void ExpectRollingBound(const LimitDef& def, std::vector<Grant> grants) {
  std::sort(grants.begin(), grants.end(), [](const Grant& a, const Grant& b) { return a.start < b.start; });
  const int64_t burst = EffectiveBurst(def);
  for (size_t i = 0; i < grants.size(); ++i) {
    Int128 sum = 0;
    for (size_t j = i; j < grants.size(); ++j) {
      sum += grants[j].cost;
      const Int128 span = Int128{grants[j].start} - grants[i].start;
      // sum <= burst + limit * span / window, without division.
      if ((sum - burst) * def.window_micros > Int128{def.limit} * span) {
        FAIL() << FormatLimitSpec(def) << ": " << static_cast<int64_t>(sum) << " granted in ["
               << grants[i].start << ", " << grants[j].start << "]";
      }
    }
  }
}

void ExpectCalendarBound(const LimitDef& def, const std::vector<Grant>& grants) {
  std::map<int64_t, int64_t> per_window;
  for (const Grant& g : grants) per_window[CalendarWindowStart(def, g.start)] += g.cost;
  for (const auto& [window, total] : per_window) {
    EXPECT_LE(total, def.limit) << FormatLimitSpec(def) << " window " << window;
  }
}

// Random acquires (with random waits, occasional server observations and blocks, and
// `now` jittering backwards a little as it does between processes) against `defs`, all in
// one scope. Returns the grants of each limit.
std::vector<std::vector<Grant>> Simulate(const std::vector<LimitDef>& defs, uint64_t seed, int steps) {
  std::mt19937_64 rng(seed);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  std::vector<LimitEntry> limits;
  int64_t shortest = defs[0].window_micros;
  for (const LimitDef& d : defs) {
    limits.push_back({d, {}});
    shortest = std::min(shortest, d.window_micros);
  }
  std::vector<ScopeBlock> blocks = {{"s", 0}};
  std::vector<std::vector<Grant>> grants(defs.size());
  int64_t clock = kT;
  for (int step = 0; step < steps; ++step) {
    switch (uniform(0, 3)) {
      case 0: break;  // a burst of arrivals at the same time
      case 1: clock += uniform(0, std::max<int64_t>(1, shortest / 50)); break;
      case 2: clock += uniform(0, shortest / 2); break;
      default: clock += uniform(0, 2 * shortest); break;
    }
    const int64_t now = clock - uniform(0, std::min<int64_t>(1000, shortest));
    const int64_t waits[] = {0, shortest / 10, shortest, 3 * shortest};
    const int64_t max_wait = waits[uniform(0, 3)];

    const int roll = static_cast<int>(uniform(0, 99));
    if (roll < 3) {
      // The server reports little left: only ever tightens.
      const size_t i = static_cast<size_t>(uniform(0, static_cast<int64_t>(limits.size()) - 1));
      limits[i].state =
          Observe(limits[i].def, limits[i].state, now, uniform(0, limits[i].def.limit), now + uniform(0, shortest));
      continue;
    }
    if (roll < 4) {
      blocks[0] = ExtendBlock(blocks[0], now + uniform(0, shortest));
      continue;
    }
    std::vector<Cost> costs;
    for (const LimitDef& d : defs) {
      // Mostly small costs, sometimes the whole capacity.
      const int64_t cap = Capacity(d);
      costs.push_back({d.dimension, uniform(0, 3) == 0 ? cap : uniform(1, std::max<int64_t>(1, cap / 4))});
    }
    Result<AcquirePlan> plan = PlanAcquire(limits, blocks, Req({"s"}, costs, now, max_wait));
    EXPECT_TRUE(plan.ok());
    if (!plan.ok() || plan->outcome != PlanOutcome::kGranted) continue;
    EXPECT_GE(plan->start_micros, now);
    EXPECT_LE(plan->start_micros - now, max_wait);
    EXPECT_GE(plan->start_micros, blocks[0].until_micros);
    for (size_t i = 0; i < limits.size(); ++i) {
      limits[i].state = plan->states[i];
      grants[i].push_back({plan->start_micros, costs[i].amount});
    }
  }
  return grants;
}

TEST(PropertyTest, RollingNeverGrantsMoreThanBurstPlusRefill) {
  const std::vector<LimitDef> defs = {
      Rolling("requests", 7, kMin, 0, "s"),          // non-integer refill time
      Rolling("requests", 10, kSec, 3, "s"),         // burst below the limit
      Rolling("requests", 5, 10 * kSec, 12, "s"),    // burst above the limit
      Rolling("requests", 3, 7, 0, "s"),             // 2.33 us per unit: rounding dominates
      Rolling("requests", 1'000'000, kSec, 0, "s"),  // 1 us per unit
      Rolling("requests", 13, 1000, 2, "s"),
  };
  for (const LimitDef& def : defs) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const std::vector<std::vector<Grant>> grants = Simulate({def}, seed, 1500);
      EXPECT_GT(grants[0].size(), 100u) << FormatLimitSpec(def);  // the test exercised something
      ExpectRollingBound(def, grants[0]);
    }
  }
}

TEST(PropertyTest, CalendarNeverGrantsMoreThanTheLimitPerWindow) {
  const std::vector<LimitDef> defs = {
      Calendar("requests", 7, kMin, 0, "s"),
      Calendar("requests", 100, kSec, 250'000, "s"),
      Calendar("requests", 1, 10 * kSec, 3 * kSec, "s"),
  };
  for (const LimitDef& def : defs) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const std::vector<std::vector<Grant>> grants = Simulate({def}, seed, 1500);
      EXPECT_GT(grants[0].size(), 100u) << FormatLimitSpec(def);
      ExpectCalendarBound(def, grants[0]);
    }
  }
}

TEST(PropertyTest, MixedLimitsEachKeepTheirBound) {
  const std::vector<LimitDef> defs = {
      Rolling("requests", 20, kMin, 5, "s"),
      Rolling("tokens", 1000, 10 * kSec, 0, "s"),
      Calendar("usd_micros", 5000, kMin, 15 * kSec, "s"),
  };
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const std::vector<std::vector<Grant>> grants = Simulate(defs, seed, 2000);
    EXPECT_GT(grants[0].size(), 50u);
    ExpectRollingBound(defs[0], grants[0]);
    ExpectRollingBound(defs[1], grants[1]);
    ExpectCalendarBound(defs[2], grants[2]);
  }
}

}  // namespace
}  // namespace llmgate::internal
