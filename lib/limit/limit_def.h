// What a rate limit is, and the small plain state each limit keeps between acquires.
//
// Everything here is plain data with int64 fields so that the quota store can keep a
// limit's definition and state as columns of one row and rewrite them in the same
// transaction as every other limit an acquire touches. All times are wall-clock
// microseconds since the Unix epoch; all amounts are int64 units of the limit's dimension.
#ifndef LLMGATE_LIB_LIMIT_LIMIT_DEF_H_
#define LLMGATE_LIB_LIMIT_LIMIT_DEF_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "llmgate/status.h"

namespace llmgate::internal {

// Dimensions of the built-in limits. Any other name matching [a-z0-9_]+ (for example
// "usd_micros") is a user dimension, limited and charged the same way.
inline constexpr std::string_view kRequestsDimension = "requests";
inline constexpr std::string_view kTokensDimension = "tokens";
inline constexpr std::string_view kImagesDimension = "images";

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// The numeric values are stored in quota.db: never renumber.
enum class LimitKind : int {
  // Continuous refill at limit/window with a bucket of `burst` units (GCRA). This is how
  // OpenAI's own limits behave, so it is the default.
  kRolling = 0,
  // Fixed windows aligned to UTC: at most `limit` units per [k*window + offset,
  // (k+1)*window + offset). For budgets people think of per calendar day.
  kCalendar = 1,
};

// The numeric values are stored in quota.db: never renumber.
enum class LimitSource : int {
  kConfigured = 0,  // from Options, LLMGATE_LIMITS or a limits file
  kLearned = 1,     // inferred from the server's x-ratelimit-limit-* headers
};

struct LimitDef {
  // What the limit belongs to: a key fingerprint, a key group, a model, a group x model,
  // "global". Parsed specs that name no scope leave it empty, meaning "the default scope
  // the caller chooses"; the planner only matches it literally.
  std::string scope;
  // "requests", "tokens", "images" or a user dimension matching [a-z0-9_]+.
  std::string dimension;
  // Units allowed per window; > 0.
  int64_t limit = 0;
  // Length of the window in microseconds; > 0.
  int64_t window_micros = 0;
  // Rolling limits only: capacity of the bucket, the most a single instant may take.
  // 0 means "equal to limit". Calendar limits have no burst (must be 0 or equal to limit).
  int64_t burst = 0;
  LimitKind kind = LimitKind::kRolling;
  // Calendar limits only: where windows start relative to the Unix epoch (UTC midnight for
  // day windows); 0 <= offset < window_micros.
  int64_t calendar_offset_micros = 0;
  LimitSource source = LimitSource::kConfigured;
};

bool operator==(const LimitDef& a, const LimitDef& b);
inline bool operator!=(const LimitDef& a, const LimitDef& b) { return !(a == b); }

// Bucket capacity of a rolling limit (burst, or limit when burst is 0); the limit itself
// for a calendar limit.
int64_t EffectiveBurst(const LimitDef& def);

// The largest cost a single acquire can ever draw from the limit; anything larger is
// refused at once because no amount of waiting lets it pass.
inline int64_t Capacity(const LimitDef& def) { return EffectiveBurst(def); }

// True for a non-empty name made of [a-z0-9_].
bool IsValidDimension(std::string_view name);

// kInvalidArgument naming the first field that breaks the rules documented on LimitDef.
Status ValidateLimitDef(const LimitDef& def);

// The mutable state of one limit. Rolling limits use only `tat`; calendar limits only
// `window_start` and `used`. The zero state is an unused limit, so a row that does not
// exist yet reads as a full bucket.
struct LimitState {
  // Rolling: the "theoretical arrival time", the moment the bucket is full again. The
  // bucket holds (tat - now) * limit / window units while tat > now.
  int64_t tat = 0;
  // Calendar: the start of the window `used` counts in. It may be one window ahead of the
  // current one when a reservation was placed in the next window (see bucket.h).
  int64_t window_start = 0;
  // Calendar: units counted in that window.
  int64_t used = 0;
  // Rolling: a running count of the units acquires have charged, at their reserved cost
  // (refunds, cancellations, reconciliations, the server's view and time never move it). A
  // reservation's mark keeps it, so that what was charged after the reservation is known
  // when its answer comes back (ObserveAnswer in bucket.h). Reserved costs are estimates on
  // the high side, and a refund may concern a request charged before the marked one, so not
  // subtracting refunds keeps that reading on the strict side.
  int64_t charged = 0;
};

bool operator==(const LimitState& a, const LimitState& b);
inline bool operator!=(const LimitState& a, const LimitState& b) { return !(a == b); }

// An explicit hold on a whole scope (after a 429 with retry-after, a key being rotated
// out, an operator's pause): no acquire naming the scope starts before until_micros.
// Stored beside the limit states and read by the planner in the same transaction.
struct ScopeBlock {
  std::string scope;
  int64_t until_micros = 0;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_LIMIT_DEF_H_
