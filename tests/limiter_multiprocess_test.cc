// Forked processes share one quota through quota.db, in real time: together they never
// exceed a rolling or a calendar limit, the shared usage equals what they were granted
// minus what they refunded, and a new process inherits what an earlier one spent.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "llmgate/llmgate.h"
#include "testing/fork.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using std::chrono::milliseconds;

constexpr int kProcs = 8;
constexpr int64_t kSec = 1'000'000;
constexpr int64_t kDay = 86'400 * kSec;

int64_t NowMicros() { return SystemClock()->NowMicros(); }

Limit MakeLimit(std::string dimension, int64_t limit, int64_t window_us, int64_t burst = 0,
                WindowKind kind = WindowKind::kRolling, int64_t offset_us = 0) {
  Limit l;
  l.dimension = std::move(dimension);
  l.limit = limit;
  l.window = std::chrono::microseconds(window_us);
  l.burst = burst;
  l.kind = kind;
  l.calendar_offset = std::chrono::microseconds(offset_us);
  return l;
}

// A calendar day that started 12 hours ago, so no test run crosses its end.
int64_t OffsetForADayStartedHalfADayAgo() { return ((NowMicros() - kDay / 2) % kDay + kDay) % kDay; }

Options GateOptions(const std::string& dir, std::vector<Limit> limits) {
  Options o;
  o.state_dir = dir;
  o.limits_from_env = false;
  o.limits = std::move(limits);
  return o;
}

struct Grant {
  int64_t start = 0;
  int64_t tokens = 0;
};

std::vector<Grant> ReadGrants(const std::string& dir) {
  std::vector<Grant> grants;
  for (int p = 0; p < kProcs; ++p) {
    std::ifstream in(dir + "/grants-" + std::to_string(p));
    Grant g;
    while (in >> g.start >> g.tokens) grants.push_back(g);
  }
  std::sort(grants.begin(), grants.end(), [](const Grant& a, const Grant& b) { return a.start < b.start; });
  return grants;
}

// The rolling bound of bucket.h: over every interval [t, t + T) the costs granted (by start
// time) total at most burst + limit * T / window. Checked for the interval spanned by every
// pair of grants and for sliding intervals of many lengths. Returns the violations.
//
// Slack: the start times are the ones the limiter computed (not when a process got to
// run), so the bound holds exactly up to integer-microsecond rounding, which bucket.h does
// the strict way (refill times rounded up): < 1 us per interval. kSlackMicros = 1 ms
// covers that rounding with a wide margin and is worth limit * 1 ms / window units, a
// hundredth of a request and one token here, so no extra grant can hide in it.
constexpr int64_t kSlackMicros = 1000;

std::vector<std::string> RollingViolations(const std::vector<Grant>& grants, bool tokens, int64_t limit,
                                           int64_t window_us, int64_t burst) {
  std::vector<int64_t> prefix(grants.size() + 1, 0);
  for (size_t i = 0; i < grants.size(); ++i) prefix[i + 1] = prefix[i] + (tokens ? grants[i].tokens : 1);
  auto bound = [&](int64_t length_us) {
    return static_cast<long double>(burst) +
           static_cast<long double>(limit) * static_cast<long double>(length_us + kSlackMicros) / window_us;
  };
  std::vector<std::string> violations;
  auto check = [&](size_t i, size_t j_end, int64_t length_us) {  // grants [i, j_end) in [start_i, +length]
    const int64_t sum = prefix[j_end] - prefix[i];
    if (sum > bound(length_us)) {
      std::ostringstream os;
      os << (tokens ? "tokens" : "requests") << ": " << sum << " granted in " << length_us << " us from "
         << grants[i].start << ", bound " << static_cast<double>(bound(length_us));
      violations.push_back(os.str());
    }
  };
  // Every pair: the closed interval [start_i, start_j] has length start_j - start_i + 1 us.
  for (size_t i = 0; i < grants.size(); ++i) {
    for (size_t j = i; j < grants.size(); ++j) check(i, j + 1, grants[j].start - grants[i].start + 1);
  }
  // Sliding intervals [start_i, start_i + T) of many lengths.
  for (int64_t t : {1'000, 10'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 2'000'000, 3'000'000}) {
    size_t j = 0;
    for (size_t i = 0; i < grants.size(); ++i) {
      j = std::max(j, i);
      while (j < grants.size() && grants[j].start < grants[i].start + t) ++j;
      check(i, j, t);
    }
  }
  return violations;
}

TEST(LimiterMultiProcessTest, ProcessesTogetherStayWithinRollingAndCalendarLimits) {
  testing::TempDir dir;
  // 20 requests per 2 s with a burst of 5, 3000 tokens per 2 s with a burst of 600, and
  // at most 9 requests in any calendar second: with 125 tokens a request on average, all
  // three bind at about the same rate, so each is pushed to its bound.
  const int64_t kReqLimit = 20, kReqWindow = 2 * kSec, kReqBurst = 5;
  const int64_t kTokLimit = 3000, kTokWindow = 2 * kSec, kTokBurst = 600;
  const int64_t kCalLimit = 9, kCalWindow = kSec;
  const std::vector<Limit> limits = {
      MakeLimit("requests", kReqLimit, kReqWindow, kReqBurst),
      MakeLimit("tokens", kTokLimit, kTokWindow, kTokBurst),
      MakeLimit("requests", kCalLimit, kCalWindow, 0, WindowKind::kCalendar),
  };
  { ASSERT_TRUE(Gate::Open(GateOptions(dir.path(), limits)).ok()); }

  const int64_t end = NowMicros() + 2500 * 1000;
  auto codes = testing::RunChildren(kProcs, [&](int proc) {
    auto gate = Gate::Open(GateOptions(dir.path(), limits));
    if (!gate.ok()) return 1;
    std::mt19937 rng(1234 + proc);
    std::ofstream log(dir.path() + "/grants-" + std::to_string(proc));
    while (NowMicros() < end) {
      AcquireRequest request;
      request.cost = {{"requests", 1}, {"tokens", std::uniform_int_distribution<int64_t>(1, 250)(rng)}};
      AcquireOptions options;
      options.timeout = milliseconds(std::max<int64_t>(0, (end - NowMicros()) / 1000));
      auto r = (*gate)->limiter().Acquire(request, options);
      if (!r.ok()) {
        if (r.status().code() == StatusCode::kDeadlineExceeded) continue;
        std::fprintf(stderr, "child %d: %s\n", proc, r.status().ToString().c_str());
        return 2;
      }
      log << r->start_micros << " " << r->cost[1].amount << "\n" << std::flush;
    }
    return 0;
  });
  for (int code : codes) ASSERT_EQ(code, 0);

  const std::vector<Grant> grants = ReadGrants(dir.path());
  // Enough grants that the limits were really reached (about 9 a second after the bursts),
  // so the checks below are not passing on an idle limiter.
  ASSERT_GE(grants.size(), 12u);
  for (const auto& v : RollingViolations(grants, false, kReqLimit, kReqWindow, kReqBurst)) ADD_FAILURE() << v;
  for (const auto& v : RollingViolations(grants, true, kTokLimit, kTokWindow, kTokBurst)) ADD_FAILURE() << v;
  // Calendar: grants per fixed second.
  std::vector<std::pair<int64_t, int>> per_window;
  for (const Grant& g : grants) {
    const int64_t w = g.start / kCalWindow;
    if (per_window.empty() || per_window.back().first != w) per_window.push_back({w, 0});
    ++per_window.back().second;
  }
  for (const auto& [w, n] : per_window) EXPECT_LE(n, kCalLimit) << "calendar second " << w;
}

TEST(LimiterMultiProcessTest, UsageEqualsWhatWasGrantedMinusWhatWasRefunded) {
  testing::TempDir dir;
  const int64_t offset = OffsetForADayStartedHalfADayAgo();
  // Rolling limits over 30 days refill 3.9 tokens and 0.4 requests a second: next to
  // nothing during the test, and the tolerance below accounts for exactly that.
  const int64_t kTokLimit = 10'000'000, kTokWindow = 30 * kDay;
  const std::vector<Limit> limits = {
      MakeLimit("tokens", kTokLimit, kTokWindow),
      MakeLimit("requests", 1'000'000, 30 * kDay),
      MakeLimit("tokens", 100'000'000, kDay, 0, WindowKind::kCalendar, offset),
      MakeLimit("requests", 1'000'000, kDay, 0, WindowKind::kCalendar, offset),
  };
  { ASSERT_TRUE(Gate::Open(GateOptions(dir.path(), limits)).ok()); }

  auto codes = testing::RunChildren(kProcs, [&](int proc) {
    auto gate = Gate::Open(GateOptions(dir.path(), limits));
    if (!gate.ok()) return 1;
    Limiter& limiter = (*gate)->limiter();
    std::mt19937 rng(99 + proc);
    int64_t net_tokens = 0, net_requests = 0, first_start = 0;
    for (int i = 0; i < 60; ++i) {
      AcquireRequest request;
      const int64_t tokens = std::uniform_int_distribution<int64_t>(100, 2000)(rng);
      request.cost = {{"requests", 1}, {"tokens", tokens}};
      auto r = limiter.TryAcquire(request);
      if (!r.ok() || !r->granted()) return 2;
      if (first_start == 0) first_start = r->reservation->start_micros;
      switch (i % 4) {
        case 0:  // never sent: refunded
          if (!limiter.Cancel(*r->reservation).ok()) return 3;
          break;
        case 1: {  // used less than reserved
          if (!limiter.Reconcile(*r->reservation, {{"tokens", tokens / 2}}).ok()) return 4;
          net_tokens += tokens / 2;
          ++net_requests;
          break;
        }
        case 2: {  // used more (a longer answer than estimated)
          if (!limiter.Reconcile(*r->reservation, {{"tokens", tokens + 500}}).ok()) return 5;
          net_tokens += tokens + 500;
          ++net_requests;
          break;
        }
        default:
          net_tokens += tokens;
          ++net_requests;
      }
    }
    std::ofstream(dir.path() + "/net-" + std::to_string(proc))
        << net_tokens << " " << net_requests << " " << first_start;
    return 0;
  });
  for (int code : codes) ASSERT_EQ(code, 0);

  int64_t tokens = 0, requests = 0, first_start = 0;
  for (int p = 0; p < kProcs; ++p) {
    int64_t t = 0, r = 0, s = 0;
    std::ifstream(dir.path() + "/net-" + std::to_string(p)) >> t >> r >> s;
    tokens += t;
    requests += r;
    if (first_start == 0 || s < first_start) first_start = s;
  }
  auto gate = Gate::Open(GateOptions(dir.path(), limits));
  ASSERT_TRUE(gate.ok());
  auto usage = (*gate)->limiter().Usage();
  const int64_t usage_time = NowMicros();  // no earlier than the time the report used
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  ASSERT_EQ(usage->size(), 4u);

  for (const LimitUsage& u : *usage) {
    const int64_t expected = u.limit.dimension == "tokens" ? tokens : requests;
    SCOPED_TRACE(u.name + (u.limit.kind == WindowKind::kCalendar ? " calendar" : " rolling"));
    if (u.limit.kind == WindowKind::kCalendar) {
      EXPECT_EQ(u.used, expected);  // counted exactly within one window
      continue;
    }
    // Rolling: the bucket drained at limit/window since the first grant (its refill
    // started there and it never ran empty: it holds hours of refill), and every charge
    // or refund rounds its time by under 1 us, far less than one unit here. So used lies
    // in [expected - refill since the first grant, expected + 1].
    const int64_t window = u.limit.window.count();
    const int64_t refill = (usage_time - first_start) * u.limit.limit / window + 1;
    EXPECT_LE(u.used, expected + 1);
    EXPECT_GE(u.used, expected - refill) << "refill allowance " << refill;
  }
}

TEST(LimiterMultiProcessTest, ANewProcessGetsOnlyWhatAnEarlierOneLeft) {
  testing::TempDir dir;
  const std::vector<Limit> limits = {
      MakeLimit("tokens", 10'000, kDay),
      MakeLimit("requests", 50, kDay, 0, WindowKind::kCalendar, OffsetForADayStartedHalfADayAgo()),
  };
  // The first process spends 90 % of both daily limits and exits.
  ASSERT_EQ(testing::WaitChild(testing::ForkChild([&] {
              auto gate = Gate::Open(GateOptions(dir.path(), limits));
              if (!gate.ok()) return 1;
              AcquireRequest request;
              request.cost = {{"requests", 45}, {"tokens", 9000}};
              auto r = (*gate)->limiter().TryAcquire(request);
              return r.ok() && r->granted() ? 0 : 2;
            })),
            0);
  // A new process gets the rest and no more. (The rolling daily limit refills 0.12 tokens
  // a second: the test would need over 8 s between the processes to gain a token.)
  ASSERT_EQ(testing::WaitChild(testing::ForkChild([&] {
              auto gate = Gate::Open(GateOptions(dir.path(), limits));
              if (!gate.ok()) return 1;
              Limiter& limiter = (*gate)->limiter();
              AcquireRequest too_much;
              too_much.cost = {{"tokens", 1001}};
              auto r = limiter.TryAcquire(too_much);
              if (!r.ok() || r->granted()) return 2;
              AcquireRequest rest;
              rest.cost = {{"requests", 5}, {"tokens", 1000}};
              r = limiter.TryAcquire(rest);
              if (!r.ok() || !r->granted()) return 3;
              AcquireRequest one;
              one.cost = {{"requests", 1}};
              r = limiter.TryAcquire(one);
              if (!r.ok() || r->granted() || r->denial->limit_name != "rpd") return 4;
              return 0;
            })),
            0);
}

}  // namespace
}  // namespace llmgate
