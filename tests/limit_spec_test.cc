#include "limit/limit_spec.h"

#include "llmgate/limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace llmgate::internal {
namespace {

std::vector<LimitDef> MustParse(std::string_view text) {
  Result<std::vector<LimitDef>> r = ParseLimitSpecs(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<LimitDef>{};
}

// The error for `text`, which must fail with kInvalidArgument mentioning `token`.
void ExpectError(std::string_view text, std::string_view token) {
  Result<std::vector<LimitDef>> r = ParseLimitSpecs(text);
  ASSERT_FALSE(r.ok()) << "accepted: " << text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(std::string(token)), std::string::npos)
      << "message for " << text << " does not name " << token << ": " << r.status().message();
}

LimitDef Def(std::string scope, std::string dimension, int64_t limit, int64_t window) {
  LimitDef d;
  d.scope = std::move(scope);
  d.dimension = std::move(dimension);
  d.limit = limit;
  d.window_micros = window;
  return d;
}

TEST(LimitSpecTest, ShortNames) {
  const std::vector<LimitDef> defs = MustParse("rpm=500,tpm=200000,rpd=10000,tpd=2000000,ipm=50");
  ASSERT_EQ(defs.size(), 5u);
  EXPECT_EQ(defs[0], Def("", "requests", 500, kMicrosPerMinute));
  EXPECT_EQ(defs[1], Def("", "tokens", 200000, kMicrosPerMinute));
  EXPECT_EQ(defs[2], Def("", "requests", 10000, kMicrosPerDay));
  EXPECT_EQ(defs[3], Def("", "tokens", 2000000, kMicrosPerDay));
  EXPECT_EQ(defs[4], Def("", "images", 50, kMicrosPerMinute));
  for (const LimitDef& d : defs) {
    EXPECT_EQ(d.kind, LimitKind::kRolling);
    EXPECT_EQ(d.burst, 0);
    EXPECT_EQ(EffectiveBurst(d), d.limit);
    EXPECT_EQ(d.source, LimitSource::kConfigured);
  }
}

TEST(LimitSpecTest, EmptyInputHasNoLimits) {
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse(" , ,\n\n# nothing\n").empty());
}

TEST(LimitSpecTest, Scopes) {
  const std::vector<LimitDef> defs = MustParse(
      "group:org-1/rpm=500, global/tpd=9, model:meta-llama/llama-3-70b/tpm=1000, key:0123456789abcdef/ipm=5");
  ASSERT_EQ(defs.size(), 4u);
  EXPECT_EQ(defs[0], Def("group:org-1", "requests", 500, kMicrosPerMinute));
  EXPECT_EQ(defs[1], Def("global", "tokens", 9, kMicrosPerDay));
  EXPECT_EQ(defs[2], Def("model:meta-llama/llama-3-70b", "tokens", 1000, kMicrosPerMinute));
  EXPECT_EQ(defs[3], Def("key:0123456789abcdef", "images", 5, kMicrosPerMinute));
}

TEST(LimitSpecTest, GenericDimensionsAndWindows) {
  const std::vector<LimitDef> defs =
      MustParse("usd_micros/1d=5000000, requests/30s=20, group:a/tokens/1h=9, x/1h30m=3, g/model:m/cents/7d=100");
  ASSERT_EQ(defs.size(), 5u);
  EXPECT_EQ(defs[0], Def("", "usd_micros", 5000000, kMicrosPerDay));
  EXPECT_EQ(defs[1], Def("", "requests", 20, 30 * kMicrosPerSecond));
  EXPECT_EQ(defs[2], Def("group:a", "tokens", 9, kMicrosPerHour));
  EXPECT_EQ(defs[3], Def("", "x", 3, 90 * kMicrosPerMinute));
  EXPECT_EQ(defs[4], Def("g/model:m", "cents", 100, 7 * kMicrosPerDay));
}

TEST(LimitSpecTest, BurstAndCalendarOptions) {
  const std::vector<LimitDef> defs =
      MustParse("tpm=200000;burst=50000, rpd=10000;calendar, usd_micros/1d=5;calendar+9h, rpm=10 ; burst = 30 ;");
  ASSERT_EQ(defs.size(), 4u);
  EXPECT_EQ(defs[0].burst, 50000);
  EXPECT_EQ(defs[0].kind, LimitKind::kRolling);
  EXPECT_EQ(defs[1].kind, LimitKind::kCalendar);
  EXPECT_EQ(defs[1].calendar_offset_micros, 0);
  EXPECT_EQ(defs[2].kind, LimitKind::kCalendar);
  EXPECT_EQ(defs[2].calendar_offset_micros, 9 * kMicrosPerHour);
  EXPECT_EQ(defs[3].burst, 30);  // a burst larger than the limit is allowed
  EXPECT_EQ(defs[3].limit, 10);
}

TEST(LimitSpecTest, ConfigFileForm) {
  const std::vector<LimitDef> defs = MustParse(
      "# limits of the shared org\r\n"
      "\n"
      "group:org-1/rpm=500     # per minute\r\n"
      "   group:org-1/tpm=200000;burst=100000\n"
      "usd_micros/1d=5000000;calendar, rpd=10\n"
      "\t\n"
      "# rpm=1\n");
  ASSERT_EQ(defs.size(), 4u);
  EXPECT_EQ(defs[0], Def("group:org-1", "requests", 500, kMicrosPerMinute));
  EXPECT_EQ(defs[1].burst, 100000);
  EXPECT_EQ(defs[2].kind, LimitKind::kCalendar);
  EXPECT_EQ(defs[3], Def("", "requests", 10, kMicrosPerDay));
}

TEST(LimitSpecTest, SameNameInOtherScopeOrKindIsNotADuplicate) {
  EXPECT_EQ(MustParse("rpm=5, group:a/rpm=6, rpd=7, rpd=8;calendar").size(), 4u);
}

TEST(LimitSpecTest, ErrorsNameTheOffendingToken) {
  ExpectError("rpm=0", "'0'");
  ExpectError("rpm=-5", "'-5'");
  ExpectError("rpm=abc", "'abc'");
  ExpectError("rpm=5x", "'5x'");
  ExpectError("rpm=", "''");
  ExpectError("rpm=99999999999999999999", "'99999999999999999999'");
  ExpectError("rps=5", "'rps'");
  ExpectError("RPM=5", "'RPM'");
  ExpectError("usd_micros/1y=5", "'1y'");
  ExpectError("usd_micros/0s=5", "'0s'");
  ExpectError("usd_micros/1=5", "'1'");
  ExpectError("group:a/1d=5", "'1d'");  // "group:a" is no dimension, so "1d" is read as a name
  ExpectError("rpm", "missing '='");
  ExpectError("rpm=5;burst=0", "'0'");
  ExpectError("rpm=5;burst=x", "'x'");
  ExpectError("rpm=5;fast", "'fast'");
  ExpectError("rpm=5;calendar+xyz", "'xyz'");
  ExpectError("rpd=5;calendar+1d", "'1d'");
  ExpectError("rpd=5;calendar;burst=9", "burst does not apply");
  ExpectError("/rpm=5", "bad scope ''");
  ExpectError("my scope/rpm=5", "'my scope'");
  ExpectError("rpm=5,rpm=6", "'rpm=6'");
  // The error names the spec it comes from, not just the token.
  ExpectError("tpm=100, group:x/rpm=zero", "'group:x/rpm=zero'");
}

TEST(LimitSpecTest, DurationsParseAndFormat) {
  EXPECT_EQ(*ParseDuration("30s"), 30 * kMicrosPerSecond);
  EXPECT_EQ(*ParseDuration("1m"), kMicrosPerMinute);
  EXPECT_EQ(*ParseDuration("1h"), kMicrosPerHour);
  EXPECT_EQ(*ParseDuration("1d"), kMicrosPerDay);
  EXPECT_EQ(*ParseDuration("1h30m"), 90 * kMicrosPerMinute);
  EXPECT_EQ(*ParseDuration("250ms"), 250'000);
  EXPECT_EQ(*ParseDuration("7us"), 7);
  EXPECT_EQ(*ParseDuration("0s"), 0);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("10").ok());
  EXPECT_FALSE(ParseDuration("m").ok());
  EXPECT_FALSE(ParseDuration("1w").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_FALSE(ParseDuration("999999999999d").ok());

  EXPECT_EQ(FormatDuration(kMicrosPerDay), "1d");
  EXPECT_EQ(FormatDuration(90 * kMicrosPerMinute), "90m");
  EXPECT_EQ(FormatDuration(30 * kMicrosPerSecond), "30s");
  EXPECT_EQ(FormatDuration(1500), "1500us");
  EXPECT_EQ(FormatDuration(250'000), "250ms");
}

TEST(LimitSpecTest, NamesAndFormatRoundTrip) {
  const std::string text =
      "rpm=500,group:a/tpm=9;burst=3,rpd=10;calendar,usd_micros/1d=5;calendar+9h,model:x/y/z/images/90s=7,"
      "q/1500us=2";
  const std::vector<LimitDef> defs = MustParse(text);
  ASSERT_EQ(defs.size(), 6u);
  EXPECT_EQ(LimitName(defs[0]), "rpm");
  EXPECT_EQ(LimitName(defs[1]), "tpm");
  EXPECT_EQ(LimitName(defs[2]), "rpd");
  EXPECT_EQ(LimitName(defs[3]), "usd_micros/1d");
  EXPECT_EQ(LimitName(defs[4]), "images/90s");
  EXPECT_EQ(FormatLimitSpec(defs[1]), "group:a/tpm=9;burst=3");
  EXPECT_EQ(FormatLimitSpec(defs[3]), "usd_micros/1d=5;calendar+9h");
  for (const LimitDef& d : defs) {
    const std::vector<LimitDef> again = MustParse(FormatLimitSpec(d));
    ASSERT_EQ(again.size(), 1u) << FormatLimitSpec(d);
    EXPECT_EQ(again[0], d) << FormatLimitSpec(d);
  }
}

}  // namespace
}  // namespace llmgate::internal

// The public functions (llmgate/limiter.h) that applications and the bindings use.
namespace llmgate {
namespace {

TEST(PublicLimitSpecTest, ParseLimitsGivesPublicLimits) {
  Result<std::vector<Limit>> r = ParseLimits("rpm=500, org:o-1/tpm=2000000;burst=500000\nrpd=100;calendar+9h");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  const Limit& rpm = (*r)[0];
  EXPECT_EQ(rpm.scope, "");  // Options::default_scope
  EXPECT_EQ(rpm.dimension, "requests");
  EXPECT_EQ(rpm.limit, 500);
  EXPECT_EQ(rpm.window, std::chrono::minutes(1));
  EXPECT_EQ(rpm.kind, WindowKind::kRolling);
  const Limit& tpm = (*r)[1];
  EXPECT_EQ(tpm.scope, "org:o-1");
  EXPECT_EQ(tpm.dimension, "tokens");
  EXPECT_EQ(tpm.burst, 500000);
  const Limit& rpd = (*r)[2];
  EXPECT_EQ(rpd.window, std::chrono::hours(24));
  EXPECT_EQ(rpd.kind, WindowKind::kCalendar);
  EXPECT_EQ(rpd.calendar_offset, std::chrono::hours(9));
  EXPECT_EQ(rpd.source, LimitSource::kConfigured);
}

TEST(PublicLimitSpecTest, FormatLimitReadsBackAsTheSameLimit) {
  for (const char* spec : {"rpm=500", "org:o-1/tpm=2000000;burst=500000", "rpd=100;calendar+9h",
                           "global/usd_micros/1d=5000000;calendar", "gpt-4o/ipm=50"}) {
    Result<std::vector<Limit>> first = ParseLimits(spec);
    ASSERT_TRUE(first.ok() && first->size() == 1) << spec;
    const std::string text = FormatLimit(first->front());
    EXPECT_EQ(text, spec);
    Result<std::vector<Limit>> again = ParseLimits(text);
    ASSERT_TRUE(again.ok() && again->size() == 1) << text;
    EXPECT_EQ(again->front().scope, first->front().scope);
    EXPECT_EQ(again->front().limit, first->front().limit);
    EXPECT_EQ(again->front().window, first->front().window);
    EXPECT_EQ(again->front().burst, first->front().burst);
    EXPECT_EQ(again->front().calendar_offset, first->front().calendar_offset);
  }
}

TEST(PublicLimitSpecTest, BadSpecsAreInvalidArgumentNamingTheSpec) {
  for (const char* spec : {"rpm=0", "rpx=5", "rpm=five", "rpm=5,rpm=6", "=5"}) {
    Result<std::vector<Limit>> r = ParseLimits(spec);
    ASSERT_FALSE(r.ok()) << "accepted: " << spec;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << spec;
    EXPECT_FALSE(r.status().message().empty());
  }
}

}  // namespace
}  // namespace llmgate
