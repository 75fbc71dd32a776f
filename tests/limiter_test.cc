// The limiter end to end through a Gate and quota.db, with a fake clock: every dimension
// and window kind, queued reservations, denials, reconcile/cancel, server views, blocks
// shared between gates, usage reports, the three configuration sources, clock steps and
// the blocking acquire. Nothing here sleeps: the fake clock's sleeps advance it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "limit/gate_limiter.h"
#include "limit/limit_convert.h"
#include "limit/limit_spec.h"
#include "llmgate/llmgate.h"
#include "testing/fake_clock.h"
#include "testing/limit_helpers.h"
#include "testing/log_capture.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
// 2023-11-14 00:00:00 UTC, a day boundary; tests start at 10:00 that day.
constexpr int64_t kDay0 = int64_t{1'699'920'000} * kSec;
constexpr int64_t kStart = kDay0 + 10 * kHour;

using testing::Req;
using testing::Specs;

class LimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("LLMGATE_LIMITS");
    ::unsetenv("LLMGATE_LIMITS_FILE");
  }
  void TearDown() override {
    ::unsetenv("LLMGATE_LIMITS");
    ::unsetenv("LLMGATE_LIMITS_FILE");
  }

  Options BaseOptions() {
    Options o;
    o.state_dir = dir_.path();
    o.clock = clock_;
    o.log_sink = log_.Sink();
    o.log_level = LogLevel::kDebug;
    o.limits_from_env = false;
    return o;
  }
  std::unique_ptr<Gate> Open(const Options& options) {
    auto gate = Gate::Open(options);
    EXPECT_TRUE(gate.ok()) << gate.status().ToString();
    return gate.ok() ? std::move(gate).value() : nullptr;
  }
  std::unique_ptr<Gate> Open(const std::string& specs) {
    Options o = BaseOptions();
    o.limits = Specs(specs);
    return Open(o);
  }

  // Grants `cost` now or fails the test.
  Reservation Take(Gate& gate, const AcquireRequest& request) {
    auto r = gate.limiter().TryAcquire(request);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->granted()) << "denied by " << (r->denial ? r->denial->limit_name : "?");
    return r->granted() ? *r->reservation : Reservation{};
  }
  Denial Deny(Gate& gate, const AcquireRequest& request) {
    auto r = gate.limiter().TryAcquire(request);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_FALSE(r->granted()) << "granted at " << r->reservation->start_micros;
    return r->denial.value_or(Denial{});
  }
  LimitUsage UsageOf(Gate& gate, const std::string& scope, const std::string& name) {
    auto usage = gate.limiter().Usage(scope);
    EXPECT_TRUE(usage.ok()) << usage.status().ToString();
    if (usage.ok()) {
      for (const LimitUsage& u : *usage) {
        if (u.name == name) return u;
      }
    }
    ADD_FAILURE() << "no limit " << name << " in scope " << scope;
    return {};
  }

  testing::TempDir dir_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>(kStart);
  testing::LogCapture log_;
};

// ---- Every dimension and window kind ----

struct DimensionCase {
  std::string spec;  // one limit in its own scope
  std::string scope;
  std::string dimension;
  std::string name;        // as denials and usage name it
  int64_t capacity;        // the most granted at one instant
  int64_t retry_after_us;  // after taking the capacity: until one more unit passes
};

TEST_F(LimiterTest, EveryDimensionAndWindowKindEndToEnd) {
  const std::vector<DimensionCase> cases = {
      {"s1/rpm=3", "s1", "requests", "rpm", 3, 20 * kSec},
      {"s2/rpd=4", "s2", "requests", "rpd", 4, 6 * kHour},
      {"s3/tpm=1200", "s3", "tokens", "tpm", 1200, 50'000},
      {"s4/tpd=86400", "s4", "tokens", "tpd", 86400, kSec},
      {"s5/ipm=6", "s5", "images", "ipm", 6, 10 * kSec},
      {"s6/usd_micros/1h=3600", "s6", "usd_micros", "usd_micros/1h", 3600, kSec},
      {"s7/requests/2s=20;burst=5", "s7", "requests", "requests/2s", 5, 100'000},
      // Calendar windows: full until the window ends (midnight UTC; 10:15 for the hour
      // windows shifted by 15 minutes).
      {"s8/rpd=2;calendar", "s8", "requests", "rpd", 2, 14 * kHour},
      {"s9/tokens/1h=500;calendar+15m", "s9", "tokens", "tokens/1h", 500, 15 * kMin},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    // Each case in a state directory of its own, all starting at 10:00 (the clock going
    // back to 10:00 in one directory would be a clock step).
    testing::TempDir dir;
    clock_->Set(kStart);
    Options o = BaseOptions();
    o.state_dir = dir.path();
    o.limits = Specs(c.spec);
    auto gate = Open(o);
    ASSERT_NE(gate, nullptr);
    Take(*gate, Req({c.scope}, {{c.dimension, c.capacity}}));
    Denial d = Deny(*gate, Req({c.scope}, {{c.dimension, 1}}));
    EXPECT_EQ(d.scope, c.scope);
    EXPECT_EQ(d.limit_name, c.name);
    EXPECT_EQ(d.retry_at_micros, kStart + c.retry_after_us);
    EXPECT_EQ(d.retry_after, milliseconds((c.retry_after_us + 999) / 1000));

    LimitUsage u = UsageOf(*gate, c.scope, c.name);
    EXPECT_EQ(u.used, c.capacity);
    EXPECT_EQ(u.remaining, 0);

    // One microsecond early is still too early; on time it passes.
    clock_->Set(d.retry_at_micros - 1);
    Deny(*gate, Req({c.scope}, {{c.dimension, 1}}));
    clock_->Set(d.retry_at_micros);
    Reservation r = Take(*gate, Req({c.scope}, {{c.dimension, 1}}));
    EXPECT_EQ(r.start_micros, d.retry_at_micros);
  }
}

TEST_F(LimiterTest, UnlimitedDimensionsAndScopesAreNotChecked) {
  auto gate = Open("rpm=1");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 1}}));
  // No limit of these dimensions / in this scope: nothing to check.
  Take(*gate, Req({}, {{"tokens", 1'000'000}}));
  Take(*gate, Req({"elsewhere"}, {{"requests", 1}}));
  // No scope named means the default scope ("global").
  EXPECT_EQ(Deny(*gate, Req({}, {{"requests", 1}})).scope, "global");
  EXPECT_EQ(Deny(*gate, Req({""}, {{"requests", 1}})).scope, "global");
}

// ---- Reservations of future slots ----

TEST_F(LimiterTest, FutureSlotsAreReservedInOrder) {
  auto gate_a = Open("rpm=60;burst=1");
  auto gate_b = Open("rpm=60;burst=1");  // another process
  ASSERT_NE(gate_a, nullptr);
  ASSERT_NE(gate_b, nullptr);
  for (int i = 0; i <= 10; ++i) {
    Gate& gate = i % 2 == 0 ? *gate_a : *gate_b;
    Reservation r = Take(gate, Req({}, {{"requests", 1}}, 10'000));
    EXPECT_EQ(r.start_micros, kStart + i * kSec) << i;
  }
  // The next slot (11 s away) is beyond max_wait: denied, and nothing is reserved.
  Denial d = Deny(*gate_a, Req({}, {{"requests", 1}}, 10'000));
  EXPECT_EQ(d.limit_name, "rpm");
  EXPECT_EQ(d.retry_at_micros, kStart + 11 * kSec);
  EXPECT_EQ(Take(*gate_b, Req({}, {{"requests", 1}}, 11'000)).start_micros, kStart + 11 * kSec);
}

TEST_F(LimiterTest, ThreadsOfOneGateShareTheQuota) {
  auto gate = Open("rpm=100");
  ASSERT_NE(gate, nullptr);
  std::atomic<int> granted{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = gate->limiter().TryAcquire(Req({}, {{"requests", 1}}));
        if (!r.ok()) ++failed;
        if (r.ok() && r->granted()) ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(granted.load(), 100);  // the clock stands still: exactly the bucket
}

TEST_F(LimiterTest, AcquireIsAllOrNothingAcrossScopes) {
  auto gate = Open("a/rpm=10\nb/rpm=1\nb/tpm=100");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({"a", "b"}, {{"requests", 1}, {"tokens", 10}}));
  Denial d = Deny(*gate, Req({"a", "b"}, {{"requests", 1}, {"tokens", 10}}));
  EXPECT_EQ(d.scope, "b");
  EXPECT_EQ(d.limit_name, "rpm");
  EXPECT_EQ(UsageOf(*gate, "a", "rpm").used, 1);  // the denied acquire took nothing from a
  EXPECT_EQ(UsageOf(*gate, "b", "tpm").used, 10);
}

TEST_F(LimiterTest, DenialNamesTheLimitThatWaitsLongest) {
  auto gate = Open("rpm=100\ntpm=1000");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 1}, {"tokens", 1000}}));
  // rpm has room; tpm needs 30 s to refill 500 tokens.
  Denial d = Deny(*gate, Req({}, {{"requests", 1}, {"tokens", 500}}));
  EXPECT_EQ(d.limit_name, "tpm");
  EXPECT_EQ(d.retry_at_micros, kStart + 30 * kSec);
}

TEST_F(LimiterTest, ACostLargerThanTheWholeLimitIsRefused) {
  auto gate = Open("tpm=1000;burst=400");
  ASSERT_NE(gate, nullptr);
  auto r = gate->limiter().TryAcquire(Req({}, {{"tokens", 401}}, 600'000));
  EXPECT_EQ(r.status().code(), StatusCode::kRequestTooLarge) << r.status().ToString();
  EXPECT_NE(r.status().message().find("tpm"), std::string::npos) << r.status().message();
  Take(*gate, Req({}, {{"tokens", 400}}));
}

// ---- Reconcile, cancel, server views, blocks ----

TEST_F(LimiterTest, ReconcileChargesOrRefundsTheDifferenceAndCancelRefundsAll) {
  auto gate = Open("tpm=1000\ntpd=5000;calendar");
  ASSERT_NE(gate, nullptr);
  Reservation r = Take(*gate, Req({}, {{"requests", 1}, {"tokens", 500}}));
  EXPECT_EQ(UsageOf(*gate, "global", "tpm").used, 500);

  auto more = gate->limiter().Reconcile(r, {{"tokens", 800}});
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_EQ(UsageOf(*gate, "global", "tpm").used, 800);
  EXPECT_EQ(UsageOf(*gate, "global", "tpd").used, 800);

  auto less = gate->limiter().Reconcile(*more, {{"tokens", 200}});
  ASSERT_TRUE(less.ok()) << less.status().ToString();
  EXPECT_EQ(UsageOf(*gate, "global", "tpm").used, 200);
  EXPECT_EQ(UsageOf(*gate, "global", "tpd").used, 200);
  ASSERT_EQ(less->cost.size(), 2u);  // requests kept, tokens replaced by the actual usage
  EXPECT_EQ(less->cost[1].dimension, "tokens");
  EXPECT_EQ(less->cost[1].amount, 200);

  ASSERT_TRUE(gate->limiter().Cancel(*less).ok());
  EXPECT_EQ(UsageOf(*gate, "global", "tpm").used, 0);
  EXPECT_EQ(UsageOf(*gate, "global", "tpd").used, 0);
}

TEST_F(LimiterTest, ObserveTightensTheShortestWindowToTheServersView) {
  auto gate = Open("key:k/rpm=100\nkey:k/rpd=10000\nkey:k/tpm=1000");
  ASSERT_NE(gate, nullptr);
  ServerView requests{"requests", 0, std::chrono::seconds(90)};
  ServerView tokens{"tokens", 100, std::chrono::seconds(5)};
  ASSERT_TRUE(gate->limiter().Observe("key:k", {requests, tokens}).ok());

  // The minute bucket is full until the server's reset in 90 s (one request passes 0.6 s
  // before that, as the bucket refills continuously); the daily
  // limit is not touched: "0 left" was about the minute.
  Denial d = Deny(*gate, Req({"key:k"}, {{"requests", 1}}));
  EXPECT_EQ(d.limit_name, "rpm");
  EXPECT_EQ(d.retry_at_micros, kStart + 30 * kSec + 600'000);
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpm").remaining, 0);
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpm").reset_micros, kStart + 90 * kSec);  // not before the server's
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpd").used, 0);
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpm").remaining, 100);

  // A looser view never loosens the local state.
  ASSERT_TRUE(gate->limiter().Observe("key:k", {{"tokens", 1000, std::chrono::seconds(0)}}).ok());
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpm").remaining, 100);
}

TEST_F(LimiterTest, ObservingAScopeWithoutLimitsDoesNotWaitForTheWriteLock) {
  Options o = BaseOptions();
  o.limits = Specs("key:k/rpm=100");
  o.busy_timeout = std::chrono::milliseconds(200);
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  // Another process holds quota.db's write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/quota.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  // Nothing to tighten in a scope without limits of the reported dimensions: no write.
  ServerView tokens{"tokens", 0, std::chrono::seconds(30)};
  EXPECT_TRUE(gate->limiter().Observe("group:g/model:m", {tokens}).ok());
  EXPECT_TRUE(gate->limiter().Observe("key:k", {tokens}).ok());
  // A scope with such a limit needs the lock, and waits for it (here: in vain).
  ServerView requests{"requests", 0, std::chrono::seconds(30)};
  EXPECT_FALSE(gate->limiter().Observe("key:k", {tokens, requests}).ok());

  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_TRUE(gate->limiter().Observe("key:k", {requests}).ok());
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpm").remaining, 0);
}

// What a call does once its answer is in, in one transaction: the same result as
// Reconcile followed by Observe of each scope.
TEST_F(LimiterTest, ReconcileAndObserveIsReconcileThenObserve) {
  const std::string specs = "key:k/tpm=1000\nserver:g/tpm=900\nkey:k/rpm=100";
  testing::TempDir other_dir;
  Options separate_options = BaseOptions();
  separate_options.state_dir = other_dir.path();
  separate_options.limits = Specs(specs);
  auto combined = Open(specs);
  auto separate = Open(separate_options);
  ASSERT_NE(combined, nullptr);
  ASSERT_NE(separate, nullptr);
  const AcquireRequest request = Req({"key:k", "server:g"}, {{"requests", 1}, {"tokens", 300}});
  const std::vector<Cost> actual = {{"requests", 1}, {"tokens", 120}};
  const std::vector<ServerView> views = {{"tokens", 500, std::chrono::seconds(20)}};

  Reservation a = Take(*combined, request);
  Status observed = InternalError("unset");
  auto& limiter = static_cast<internal::GateLimiter&>(combined->limiter());
  auto reconciled = limiter.ReconcileAndObserve(a, actual, {"server:g", "key:k"}, views, &observed);
  ASSERT_TRUE(reconciled.ok()) << reconciled.status().ToString();
  EXPECT_TRUE(observed.ok()) << observed.ToString();

  Reservation b = Take(*separate, request);
  auto reconciled_separately = separate->limiter().Reconcile(b, actual);
  ASSERT_TRUE(reconciled_separately.ok());
  ASSERT_TRUE(separate->limiter().Observe("server:g", views).ok());
  ASSERT_TRUE(separate->limiter().Observe("key:k", views).ok());

  EXPECT_EQ(reconciled->cost[1].amount, 120);
  for (const auto& [scope, name] : {std::pair{"key:k", "tpm"}, {"server:g", "tpm"}, {"key:k", "rpm"}}) {
    const LimitUsage together = UsageOf(*combined, scope, name);
    const LimitUsage apart = UsageOf(*separate, scope, name);
    EXPECT_EQ(together.used, apart.used) << scope << " " << name;
    EXPECT_EQ(together.reset_micros, apart.reset_micros) << scope << " " << name;
  }
  // The server's view (500 left) is stricter than what the reconciliation leaves (780 and
  // 880), and holds in both scopes.
  EXPECT_LE(UsageOf(*combined, "server:g", "tpm").remaining, 500);
  EXPECT_LE(UsageOf(*combined, "key:k", "tpm").remaining, 500);
}

// The answer to one request describes the server as it admitted that request: requests
// sent after it are still counted here once its view is taken in.
TEST_F(LimiterTest, ReconcileAndObserveKeepsRequestsSentAfterTheAnsweredOne) {
  auto gate = Open("server:g/tpm=1000\nkey:k/tpm=5000");
  ASSERT_NE(gate, nullptr);
  auto& limiter = static_cast<internal::GateLimiter&>(gate->limiter());
  const AcquireRequest request = Req({"key:k", "server:g"}, {{"tokens", 300}});
  Reservation a = Take(*gate, request);
  Reservation b = Take(*gate, request);  // on its way when a's answer comes back
  ASSERT_FALSE(a.marks.empty());

  // Another host had used 200: the server had 500 in use when it admitted a, and says so;
  // a used 250 of its 300 tokens.
  const std::vector<ServerView> views = {{"tokens", 500, std::chrono::seconds(30)}};
  Status observed = InternalError("unset");
  auto reconciled = limiter.ReconcileAndObserve(a, {{"tokens", 250}}, {"server:g"}, views, &observed);
  ASSERT_TRUE(reconciled.ok()) << reconciled.status().ToString();
  ASSERT_TRUE(observed.ok()) << observed.ToString();
  // The server counts a as it admitted it (300), b, and the other host's 200: 800. Read as
  // of now, the view would leave 500 in use and forget b.
  EXPECT_EQ(UsageOf(*gate, "server:g", "tpm").used, 800);
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpm").used, 550);  // not observed: a reconciled, and b

  // A reservation built by hand, without marks, is read as of now: b's answer saying 700
  // in use changes nothing (read against b's mark, 600 then, it would add 100).
  Reservation bare = b;
  bare.marks.clear();
  auto again = limiter.ReconcileAndObserve(bare, {{"tokens", 300}}, {"server:g"},
                                           {{"tokens", 300, std::chrono::seconds(60)}}, &observed);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(UsageOf(*gate, "server:g", "tpm").used, 800);
}

// A refused request (a 429) is read the same way: the server saw it before the requests
// reserved after it, which it had not counted yet.
TEST_F(LimiterTest, ObserveAnswerReadsARefusedRequestsViewAsOfWhenTheServerSawIt) {
  auto gate = Open("server:g/tpm=1000");
  ASSERT_NE(gate, nullptr);
  const AcquireRequest request = Req({"server:g"}, {{"tokens", 300}});
  Reservation a = Take(*gate, request);
  Take(*gate, request);                         // b: on its way when a is refused
  ASSERT_TRUE(gate->limiter().Cancel(a).ok());  // the server did not count a
  EXPECT_EQ(UsageOf(*gate, "server:g", "tpm").used, 300);

  // Another host had 400 in use when the server refused a, and the 429 says so.
  const std::vector<ServerView> views = {{"tokens", 600, std::chrono::seconds(30)}};
  ASSERT_TRUE(gate->limiter().ObserveAnswer("server:g", views, a).ok());
  // The other host's 400 and b's 300. Read as of now (Observe), the view leaves 400 in use
  // and forgets b.
  EXPECT_EQ(UsageOf(*gate, "server:g", "tpm").used, 700);

  Reservation no_scope;
  EXPECT_EQ(gate->limiter().ObserveAnswer("server:g", views, no_scope).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(gate->limiter().ObserveAnswer("bad\nscope", views, a).code(), StatusCode::kInvalidArgument);
}

TEST_F(LimiterTest, ReconcileAndObserveRefusesBadInputWithoutDoingAnything) {
  auto gate = Open("key:k/tpm=1000");
  ASSERT_NE(gate, nullptr);
  Reservation r = Take(*gate, Req({"key:k"}, {{"tokens", 300}}));
  auto& limiter = static_cast<internal::GateLimiter&>(gate->limiter());
  Status observed;
  auto bad_view = limiter.ReconcileAndObserve(r, {{"tokens", 100}}, {"key:k"}, {{"bad dimension!", 0, {}}}, &observed);
  ASSERT_FALSE(bad_view.ok());
  EXPECT_EQ(bad_view.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(observed.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpm").used, 300);  // not reconciled
}

TEST_F(LimiterTest, ABlockHoldsTheScopeForEveryGate) {
  auto gate_a = Open("key:k/rpm=100");
  auto gate_b = Open("");
  ASSERT_NE(gate_a, nullptr);
  ASSERT_NE(gate_b, nullptr);
  ASSERT_TRUE(gate_a->limiter().Block("key:k", kStart + 20 * kSec).ok());
  // A shorter block later does not shorten it.
  ASSERT_TRUE(gate_b->limiter().Block("key:k", kStart + 5 * kSec).ok());

  Denial d = Deny(*gate_b, Req({"key:k"}, {{"requests", 1}}));
  EXPECT_EQ(d.scope, "key:k");
  EXPECT_EQ(d.limit_name, "block");
  EXPECT_EQ(d.retry_at_micros, kStart + 20 * kSec);
  // Blocks hold even requests that cost nothing limited, and scopes without limits.
  ASSERT_TRUE(gate_a->limiter().Block("other", kStart + kSec).ok());
  EXPECT_EQ(Deny(*gate_b, Req({"other"}, {})).limit_name, "block");
  // A reservation may queue behind a block.
  EXPECT_EQ(Take(*gate_b, Req({"key:k"}, {{"requests", 1}}, 20'000)).start_micros, kStart + 20 * kSec);

  clock_->Set(kStart + 20 * kSec);
  Take(*gate_a, Req({"key:k"}, {{"requests", 1}}));
}

// ---- Usage and sources ----

TEST_F(LimiterTest, UsageReportsEveryLimitWithItsSource) {
  auto gate = Open("rpm=10\nkey:k/tpd=1000;calendar");
  ASSERT_NE(gate, nullptr);
  auto* limiter = dynamic_cast<internal::GateLimiter*>(&gate->limiter());
  ASSERT_NE(limiter, nullptr);
  auto learned = internal::ParseLimitSpecs("key:k/tpm=500");
  ASSERT_TRUE(learned.ok());
  ASSERT_TRUE(limiter->LearnLimits(*learned).ok());

  Take(*gate, Req({"global", "key:k"}, {{"requests", 2}, {"tokens", 100}}));
  clock_->Advance(3 * kSec);

  auto all = gate->limiter().Usage();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  // Ordered by scope, dimension, window, kind.
  const LimitUsage& rpm = (*all)[0];
  EXPECT_EQ(rpm.limit.scope, "global");
  EXPECT_EQ(rpm.name, "rpm");
  EXPECT_EQ(rpm.limit.source, LimitSource::kConfigured);
  EXPECT_EQ(rpm.used, 2);  // 1.5 requests' worth left to refill after 3 s, rounded up
  EXPECT_EQ(rpm.remaining, 8);
  EXPECT_EQ(rpm.reset_micros, kStart + 12 * kSec);

  const LimitUsage& tpm = (*all)[1];
  EXPECT_EQ(tpm.limit.scope, "key:k");
  EXPECT_EQ(tpm.name, "tpm");
  EXPECT_EQ(tpm.limit.source, LimitSource::kLearned);
  EXPECT_EQ(tpm.used, 75);  // 100 tokens, 3 s at 500/min = 25 refilled
  EXPECT_EQ(tpm.remaining, 425);

  const LimitUsage& tpd = (*all)[2];
  EXPECT_EQ(tpd.name, "tpd");
  EXPECT_EQ(tpd.limit.kind, WindowKind::kCalendar);
  EXPECT_EQ(tpd.used, 100);
  EXPECT_EQ(tpd.remaining, 900);
  EXPECT_EQ(tpd.reset_micros, kDay0 + kDay);

  auto one = gate->limiter().Usage("key:k");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 2u);
}

TEST_F(LimiterTest, LimitsFromOptionsGoToTheDefaultScope) {
  Options o = BaseOptions();
  o.default_scope = "team";
  Limit rpm;
  rpm.dimension = "requests";
  rpm.limit = 2;
  o.limits.push_back(rpm);
  Limit budget;
  budget.scope = "global";
  budget.dimension = "usd_micros";
  budget.limit = 5'000'000;
  budget.window = std::chrono::hours(24);
  budget.kind = WindowKind::kCalendar;
  budget.calendar_offset = std::chrono::hours(9);
  o.limits.push_back(budget);
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);

  LimitUsage u = UsageOf(*gate, "team", "rpm");
  EXPECT_EQ(u.limit.limit, 2);
  EXPECT_EQ(u.limit.source, LimitSource::kConfigured);
  LimitUsage b = UsageOf(*gate, "global", "usd_micros/1d");
  EXPECT_EQ(b.limit.calendar_offset, std::chrono::hours(9));
  EXPECT_EQ(b.reset_micros, kDay0 + 9 * kHour + kDay);  // it is 10:00: the day ends tomorrow 09:00

  Take(*gate, Req({}, {{"requests", 2}}));
  EXPECT_EQ(Deny(*gate, Req({}, {{"requests", 1}})).scope, "team");
}

TEST_F(LimiterTest, LimitsFromTheEnvironment) {
  ::setenv("LLMGATE_LIMITS", "rpm=2, key:ab12/tpm=100;burst=50 ,rpd=5;calendar", 1);
  Options o = BaseOptions();
  o.limits_from_env = true;
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").limit.limit, 2);
  LimitUsage tpm = UsageOf(*gate, "key:ab12", "tpm");
  EXPECT_EQ(tpm.limit.limit, 100);
  EXPECT_EQ(tpm.limit.burst, 50);
  EXPECT_EQ(UsageOf(*gate, "global", "rpd").limit.kind, WindowKind::kCalendar);

  // limits_from_env = false ignores the variable.
  testing::TempDir other;
  Options off = BaseOptions();
  off.state_dir = other.path();
  auto gate2 = Open(off);
  ASSERT_NE(gate2, nullptr);
  EXPECT_TRUE(gate2->limiter().Usage()->empty());
}

TEST_F(LimiterTest, LimitsFromAFile) {
  const std::string file = dir_.File("limits.conf");
  std::ofstream(file) << "# limits of the team\n"
                         "rpm=3   # per minute\n"
                         "\n"
                         "group:org-1/tpm=2000000;burst=500000, global/usd_micros/1d=5000000;calendar+9h\n";
  Options o = BaseOptions();
  o.limits_file = file;
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").limit.limit, 3);
  EXPECT_EQ(UsageOf(*gate, "group:org-1", "tpm").limit.burst, 500000);
  EXPECT_EQ(UsageOf(*gate, "global", "usd_micros/1d").limit.limit, 5000000);

  // $LLMGATE_LIMITS_FILE when Options::limits_file is empty.
  testing::TempDir other;
  ::setenv("LLMGATE_LIMITS_FILE", file.c_str(), 1);
  Options from_env = BaseOptions();
  from_env.state_dir = other.path();
  auto gate2 = Open(from_env);
  ASSERT_NE(gate2, nullptr);
  EXPECT_EQ(UsageOf(*gate2, "global", "rpm").limit.limit, 3);
}

TEST_F(LimiterTest, CodeOverridesTheEnvironmentWhichOverridesTheFile) {
  const std::string file = dir_.File("limits.conf");
  std::ofstream(file) << "rpm=1\ntpm=10\nrpd=100\n";
  ::setenv("LLMGATE_LIMITS", "rpm=2,tpm=20", 1);
  Options o = BaseOptions();
  o.limits_file = file;
  o.limits_from_env = true;
  o.limits = Specs("rpm=3");
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").limit.limit, 3);
  EXPECT_EQ(UsageOf(*gate, "global", "tpm").limit.limit, 20);
  EXPECT_EQ(UsageOf(*gate, "global", "rpd").limit.limit, 100);
}

TEST_F(LimiterTest, AChangedConfiguredLimitIsLoggedAndKeepsWhatWasSpent) {
  {
    auto gate = Open("rpm=10\ntpd=1000;calendar");
    ASSERT_NE(gate, nullptr);
    Take(*gate, Req({}, {{"requests", 5}, {"tokens", 600}}));
  }
  EXPECT_FALSE(log_.Contains("changed"));
  auto gate = Open("rpm=20\ntpd=800;calendar");
  ASSERT_NE(gate, nullptr);
  EXPECT_TRUE(log_.Contains("quota limit global/rpm=10 (configured) changed to global/rpm=20 (configured)"))
      << log_.All();
  LimitUsage rpm = UsageOf(*gate, "global", "rpm");
  EXPECT_EQ(rpm.limit.limit, 20);
  EXPECT_EQ(rpm.used, 5);
  EXPECT_EQ(rpm.remaining, 15);
  LimitUsage tpd = UsageOf(*gate, "global", "tpd");
  EXPECT_EQ(tpd.used, 600);
  EXPECT_EQ(tpd.remaining, 200);

  // Opening again with the same limits changes and logs nothing.
  const std::string before = log_.All();
  auto again = Open("rpm=20\ntpd=800;calendar");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(log_.All().find("changed", before.size()), std::string::npos) << log_.All();

  // A lower limit than what was spent: all of it stays spent, nothing passes until enough
  // has drained at the new rate. A moved calendar day keeps the day's count.
  auto lower = Open("rpm=4\ntpd=800;calendar+1h");
  ASSERT_NE(lower, nullptr);
  rpm = UsageOf(*lower, "global", "rpm");
  EXPECT_EQ(rpm.used, 5);
  EXPECT_EQ(rpm.remaining, 0);
  EXPECT_EQ(Deny(*lower, Req({}, {{"requests", 1}})).retry_at_micros, kStart + 30 * kSec);  // 2 drained: 3 of 4 held
  tpd = UsageOf(*lower, "global", "tpd");
  EXPECT_EQ(tpd.used, 600);
  EXPECT_EQ(tpd.reset_micros, kDay0 + kDay + kHour);
}

TEST_F(LimiterTest, ChangingACalendarLimitKeepsAReservationInTheNextWindow) {
  {
    auto gate = Open("rpd=2;calendar");
    ASSERT_NE(gate, nullptr);
    Take(*gate, Req({}, {{"requests", 2}}));
    // The day is full: this one is reserved for midnight.
    EXPECT_EQ(Take(*gate, Req({}, {{"requests", 1}}, 14 * kHour / 1000)).start_micros, kDay0 + kDay);
  }
  auto gate = Open("rpd=3;calendar");
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(Deny(*gate, Req({}, {{"requests", 1}})).retry_at_micros, kDay0 + kDay);  // today stays closed
  clock_->Set(kDay0 + kDay);
  Take(*gate, Req({}, {{"requests", 2}}));  // 1 of the new 3 was reserved
  EXPECT_EQ(Deny(*gate, Req({}, {{"requests", 1}})).limit_name, "rpd");
}

TEST_F(LimiterTest, AConfiguredLimitWinsOverALearnedOne) {
  auto gate = Open("key:k/rpm=100");
  ASSERT_NE(gate, nullptr);
  auto* limiter = dynamic_cast<internal::GateLimiter*>(&gate->limiter());
  ASSERT_NE(limiter, nullptr);

  ASSERT_TRUE(limiter->LearnLimits(*internal::ParseLimitSpecs("key:k/rpm=500\nkey:k/tpm=30000")).ok());
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpm").limit.limit, 100);  // configured stays
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpm").limit.source, LimitSource::kConfigured);
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpm").limit.source, LimitSource::kLearned);

  // The public API can store learned limits too, with the same rule.
  std::vector<Limit> learned = Specs("key:k/rpm=700");
  learned[0].source = LimitSource::kLearned;
  ASSERT_TRUE(gate->limiter().SetLimits(learned).ok());
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpm").limit.limit, 100);

  // A learned limit follows the server; a configured one then replaces it.
  ASSERT_TRUE(limiter->LearnLimits(*internal::ParseLimitSpecs("key:k/tpm=40000")).ok());
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpm").limit.limit, 40000);
  ASSERT_TRUE(gate->limiter().SetLimits(Specs("key:k/tpm=20000")).ok());
  LimitUsage tpm = UsageOf(*gate, "key:k", "tpm");
  EXPECT_EQ(tpm.limit.limit, 20000);
  EXPECT_EQ(tpm.limit.source, LimitSource::kConfigured);
  EXPECT_TRUE(log_.Contains("key:k/tpm=40000 (learned from the server) changed to key:k/tpm=20000 (configured)"))
      << log_.All();
}

TEST_F(LimiterTest, RemoveLimitDeletesItAndItsState) {
  auto gate = Open("rpm=1\ntpm=10");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 1}}));
  ASSERT_TRUE(gate->limiter().RemoveLimit(Specs("rpm=1")[0]).ok());
  Take(*gate, Req({}, {{"requests", 1}}));
  EXPECT_EQ(gate->limiter().RemoveLimit(Specs("rpm=1")[0]).code(), StatusCode::kNotFound);
  EXPECT_EQ(gate->limiter().Usage()->size(), 1u);
  // Added again, it starts afresh (the tpm limit, added meanwhile, keeps its own state).
  Take(*gate, Req({}, {{"tokens", 4}}));
  ASSERT_TRUE(gate->limiter().SetLimits(Specs("rpm=1\nrpd=9")).ok());
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").used, 0);
  EXPECT_EQ(UsageOf(*gate, "global", "rpd").used, 0);
  EXPECT_EQ(UsageOf(*gate, "global", "tpm").used, 4);
}

// ---- Wall-clock steps ----

TEST_F(LimiterTest, ABackwardsClockStepKeepsQuotaSpentAndLocksNobodyOut) {
  auto gate = Open("rpm=2\nrpd=10;calendar\nkey:k/tpm=100");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 2}}));
  ASSERT_TRUE(gate->limiter().Block("key:k", kStart + 10 * kSec).ok());
  EXPECT_EQ(Deny(*gate, Req({}, {{"requests", 1}})).retry_after, milliseconds(30'000));

  // The clock steps back an hour (an NTP correction, a VM restored from a snapshot).
  clock_->Set(kStart - kHour);
  Denial d = Deny(*gate, Req({}, {{"requests", 1}}));
  EXPECT_EQ(d.limit_name, "rpm");
  EXPECT_EQ(d.retry_after, milliseconds(30'000));  // not an hour and 30 s
  EXPECT_TRUE(log_.Contains("stepped back by 3600 s")) << log_.All();
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").used, 2);  // what was spent stays spent
  EXPECT_EQ(UsageOf(*gate, "global", "rpd").used, 2);
  EXPECT_EQ(Deny(*gate, Req({"key:k"}, {})).retry_at_micros, kStart - kHour + 10 * kSec);

  // Another process (a second gate) sees the repaired state; the step is repaired once.
  auto other = Open("");
  ASSERT_NE(other, nullptr);
  clock_->Advance(30 * kSec);
  Take(*other, Req({}, {{"requests", 1}}));

  // Back over midnight: a calendar day in the future is carried into the current one.
  clock_->Set(kDay0 - kHour);
  EXPECT_EQ(UsageOf(*gate, "global", "rpd").used, 3);
  EXPECT_EQ(UsageOf(*gate, "global", "rpd").reset_micros, kDay0);
}

TEST_F(LimiterTest, AForwardClockStepRefillsAtMostOneBucket) {
  auto gate = Open("rpm=5\ntpm=1000;burst=300\nrpd=7;calendar");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 5}, {"tokens", 300}}));
  clock_->Advance(10 * kMin);  // ten windows' worth of time
  Take(*gate, Req({}, {{"requests", 2}, {"tokens", 300}}));
  Denial d = Deny(*gate, Req({}, {{"requests", 1}}));
  EXPECT_EQ(d.limit_name, "rpd");  // the calendar day counts what it counted: 7 of 7
  auto big = gate->limiter().TryAcquire(Req({}, {{"tokens", 1}}));
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(big->granted());           // 300 is the bucket, not 10 minutes of refill
  clock_->Set(kDay0 + kDay + 10 * kMin);  // the next day
  Take(*gate, Req({}, {{"requests", 5}}));
  EXPECT_EQ(Deny(*gate, Req({}, {{"requests", 1}})).limit_name, "rpm");
}

// ---- Blocking acquire ----

TEST_F(LimiterTest, AcquireWaitsForItsSlotAndReportsTheWait) {
  auto gate = Open("rpm=1");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 1}}));
  std::vector<WaitEvent> events;
  AcquireOptions options;
  options.on_wait = [&](const WaitEvent& e) { events.push_back(e); };
  auto r = gate->limiter().Acquire(Req({}, {{"requests", 1}}), options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->start_micros, kStart + kMin);
  EXPECT_GE(clock_->NowMicros(), r->start_micros);
  EXPECT_LT(clock_->NowMicros(), r->start_micros + 50'000);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].scope, "global");
  EXPECT_EQ(events[0].limit_name, "rpm");
  EXPECT_EQ(events[0].wait, milliseconds(60'000));
}

TEST_F(LimiterTest, AcquireUsesTheGatesWaitCallbackByDefault) {
  Options o = BaseOptions();
  o.limits = Specs("tpm=600");
  std::vector<WaitEvent> events;
  o.on_wait = [&](const WaitEvent& e) { events.push_back(e); };
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"tokens", 600}}));
  ASSERT_TRUE(gate->limiter().Acquire(Req({}, {{"tokens", 120}})).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].limit_name, "tpm");
  EXPECT_EQ(events[0].wait, milliseconds(12'000));
}

TEST_F(LimiterTest, AcquireWithAShortMaxWaitWaitsForTheDenialAndTriesAgain) {
  auto gate = Open("rpm=1");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 1}}));
  std::vector<WaitEvent> events;
  AcquireOptions options;
  options.on_wait = [&](const WaitEvent& e) { events.push_back(e); };
  // It will hold a slot at most 1 s ahead, so it waits for the denial's retry time first.
  auto r = gate->limiter().Acquire(Req({}, {{"requests", 1}}, 1000), options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->start_micros, kStart + kMin);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].wait, milliseconds(60'000));
}

TEST_F(LimiterTest, AcquireFailsAtOnceWhenTheSlotIsBeyondTheTimeout) {
  auto gate = Open("rpm=1");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 1}}));
  AcquireOptions options;
  options.timeout = milliseconds(10'000);
  auto r = gate->limiter().Acquire(Req({}, {{"requests", 1}}), options);
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(r.status().retry_after(), milliseconds(60'000));
  EXPECT_EQ(clock_->NowMicros(), kStart);              // no pointless sleep until the deadline
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").used, 1);  // nothing reserved
}

TEST_F(LimiterTest, AcquireThatOverrunsItsDeadlineWhileWaitingRefundsItsSlot) {
  auto gate = Open("rpd=2;calendar");
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 2}}));
  AcquireOptions options;
  options.timeout = milliseconds(20 * kHour / 1000);
  // The process stalls for 21 hours while it waits (suspended, descheduled).
  options.on_wait = [&](const WaitEvent&) { clock_->Advance(21 * kHour); };
  auto r = gate->limiter().Acquire(Req({}, {{"requests", 1}}), options);
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  // The slot it had reserved in the new day was refunded: the whole day is free.
  EXPECT_EQ(UsageOf(*gate, "global", "rpd").used, 0);
  Take(*gate, Req({}, {{"requests", 2}}));
}

// Records its sleeps and raises a flag after a number of them.
class CancellingClock : public FakeClock {
 public:
  CancellingClock(int64_t start, int cancel_after, std::atomic<bool>* flag)
      : FakeClock(start), cancel_after_(cancel_after), flag_(flag) {}
  void SleepForMicros(int64_t micros) const override {
    longest_ = std::max(longest_, micros);
    if (++sleeps_ >= cancel_after_) flag_->store(true);
    FakeClock::SleepForMicros(micros);
  }
  int sleeps() const { return sleeps_; }
  int64_t longest() const { return longest_; }

 private:
  int cancel_after_;
  std::atomic<bool>* flag_;
  mutable int sleeps_ = 0;
  mutable int64_t longest_ = 0;
};

TEST_F(LimiterTest, AcquireCancelledWhileWaitingRefundsItsSlot) {
  std::atomic<bool> cancelled{false};
  auto clock = std::make_shared<CancellingClock>(kStart, 20, &cancelled);
  Options o = BaseOptions();
  o.clock = clock;
  o.limits = Specs("rpm=1");
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Take(*gate, Req({}, {{"requests", 1}}));

  AcquireOptions options;
  options.cancelled = &cancelled;
  auto r = gate->limiter().Acquire(Req({}, {{"requests", 1}}), options);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
  // Sliced sleeps notice the flag within one slice.
  EXPECT_EQ(clock->sleeps(), 20);
  EXPECT_LE(clock->longest(), internal::GateLimiter::kSleepSliceMicros);
  EXPECT_EQ(clock->NowMicros(), kStart + 20 * 50'000);
  // Refunded: the next caller gets the slot the cancelled one had (at one minute), not
  // the one after it.
  auto next = gate->limiter().TryAcquire(Req({}, {{"requests", 1}}, 60'000));
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->granted());
  EXPECT_EQ(next->reservation->start_micros, kStart + kMin);
}

TEST_F(LimiterTest, AcquireCancelledBeforeItStartsReservesNothing) {
  auto gate = Open("rpm=1");
  ASSERT_NE(gate, nullptr);
  std::atomic<bool> cancelled{true};
  AcquireOptions options;
  options.cancelled = &cancelled;
  EXPECT_EQ(gate->limiter().Acquire(Req({}, {{"requests", 1}}), options).status().code(), StatusCode::kCancelled);
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").used, 0);
}

// ---- Resetting usage by hand (llmgate quota reset) ----

TEST_F(LimiterTest, ResetUsageForgetsWhatWasSpentAndKeepsTheLimits) {
  auto gate = Open("rpm=2\nkey:k/tpd=100;calendar\nkey:k/rpm=5");
  auto other = Open("");  // another process's view of the same quota.db
  ASSERT_NE(gate, nullptr);
  ASSERT_NE(other, nullptr);
  Take(*gate, Req({"global", "key:k"}, {{"requests", 2}, {"tokens", 100}}));
  ASSERT_TRUE(gate->limiter().Block("key:k", kStart + kHour).ok());
  ASSERT_TRUE(gate->limiter().Block("held", kStart + kHour).ok());  // a block and nothing else
  EXPECT_EQ(Deny(*gate, Req({"global"}, {{"requests", 1}})).limit_name, "rpm");
  EXPECT_EQ(Deny(*gate, Req({"key:k"}, {})).limit_name, "block");

  // One scope: its states start over and its block ends; the others keep theirs.
  ASSERT_TRUE(other->limiter().ResetUsage("key:k").ok());
  EXPECT_TRUE(log_.Contains("quota usage of scope 'key:k' reset by hand")) << log_.All();
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpd").used, 0);
  EXPECT_EQ(UsageOf(*gate, "key:k", "tpd").remaining, 100);
  EXPECT_EQ(UsageOf(*gate, "key:k", "rpm").remaining, 5);
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").used, 2);
  Take(*gate, Req({"key:k"}, {{"tokens", 100}}));
  EXPECT_EQ(Deny(*gate, Req({"key:k"}, {{"tokens", 1}})).limit_name, "tpd");

  // Every scope: the limits stay (with their definitions) and everything passes again.
  ASSERT_TRUE(gate->limiter().ResetUsage("").ok());
  EXPECT_TRUE(log_.Contains("quota usage of every scope ('global', 'held', 'key:k') reset by hand")) << log_.All();
  auto all = gate->limiter().Usage();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  for (const LimitUsage& u : *all) EXPECT_EQ(u.used, 0) << u.limit.scope << "/" << u.name;
  EXPECT_EQ(UsageOf(*gate, "global", "rpm").limit.limit, 2);
  Take(*other, Req({"global", "key:k", "held"}, {{"requests", 2}, {"tokens", 100}}));

  // A scope that holds nothing (the idle "held" row went away) is named as not found.
  EXPECT_EQ(gate->limiter().ResetUsage("held").code(), StatusCode::kNotFound);
  EXPECT_EQ(gate->limiter().ResetUsage("no-such-scope").code(), StatusCode::kNotFound);
  EXPECT_EQ(gate->limiter().ResetUsage("bad\nscope").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llmgate
