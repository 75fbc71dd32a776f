// The cross-process rate limiter: RPM, RPD, TPM, TPD, IPM and user-defined dimensions,
// shared by every process of the state directory through quota.db and kept across
// restarts.
#ifndef LLMGATE_LIMITER_H_
#define LLMGATE_LIMITER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmgate/export.h"
#include "llmgate/status.h"

namespace llmgate {

enum class WindowKind {
  kRolling,   // continuous refill at limit/window, bucket of `burst` (how OpenAI's limits behave)
  kCalendar,  // fixed UTC windows (a minute, a day) with an optional reset offset: spend caps
};

enum class LimitSource {
  kConfigured,  // set in code, LLMGATE_LIMITS or a limits file; always wins
  kLearned,     // learned from the server's x-ratelimit-limit-* headers
};

// One limit of one scope and dimension.
struct Limit {
  // What the limit belongs to: "global", a key fingerprint ("key:…"), a key group, a
  // model, a group × model. "" means Options::default_scope.
  std::string scope;
  // "requests", "tokens", "images", or a name of your own matching [a-z0-9_]+.
  std::string dimension;
  int64_t limit = 0;                          // units per window, > 0
  std::chrono::microseconds window = std::chrono::minutes(1);
  int64_t burst = 0;                          // rolling: bucket capacity; 0 = limit
  WindowKind kind = WindowKind::kRolling;
  std::chrono::microseconds calendar_offset{0};  // calendar: window start after UTC midnight etc.
  LimitSource source = LimitSource::kConfigured;
};

// Limits written as text, in the syntax of $LLMGATE_LIMITS and limits files (README, "Limit
// specs"): "rpm=500,tpm=200000,rpd=10000;calendar", "org:org-1/tpm=2000000;burst=500000". A spec
// that names no scope gives Limit::scope "" (Options::default_scope). A malformed spec, a zero
// limit, an unknown name or a limit defined twice is kInvalidArgument naming the spec.
LLMGATE_EXPORT Result<std::vector<Limit>> ParseLimits(std::string_view specs);

// The spec that ParseLimits reads back as `limit` (its source aside): "org:a/tpm=100;burst=50".
LLMGATE_EXPORT std::string FormatLimit(const Limit& limit);

// An amount of one dimension: {"requests", 1}, {"tokens", 1200}.
struct Cost {
  std::string dimension;
  int64_t amount = 0;
};

struct AcquireRequest {
  std::vector<std::string> scopes;       // every scope the request draws from
  std::vector<Cost> cost;                // dimensions not named are not checked
  // How far ahead a slot may be reserved. TryAcquire: 0 = only a slot that starts now.
  // Acquire (blocking): 0 = up to its timeout; a positive value caps how far ahead it
  // books, and when denied it waits for the retry time and tries again.
  std::chrono::milliseconds max_wait{0};
};

// Where a reservation left one rolling limit, so that the server's rate-limit headers in
// the answer to that request can be read as of when the server admitted it (see
// Reservation::marks).
struct ReservationMark {
  size_t scope = 0;  // index into Reservation::scopes
  std::string dimension;
  int64_t window_micros = 0;
  // The limit's running count of units acquires charged, right after this one's charge.
  int64_t charged = 0;
};

// A granted acquire: the caller may start at start_micros (wall clock, µs since the epoch),
// which is in the future when a slot was reserved ahead. Keep it to reconcile or cancel.
struct Reservation {
  std::vector<std::string> scopes;
  std::vector<Cost> cost;
  int64_t start_micros = 0;
  // Filled by the acquire and kept by Reconcile; the client reads the server's headers on
  // the request's answer against them, so that requests sent after this one and not yet
  // counted in the server's "remaining" stay counted here. A reservation built by hand may
  // leave them empty: the headers are then read as of the time they arrive.
  std::vector<ReservationMark> marks;
};

// A denied acquire: the limit that stopped it and when it could pass.
struct Denial {
  std::string scope;
  std::string limit_name;  // "rpm", "tpd", "usd_micros/1d", or "block" (a held scope)
  int64_t retry_at_micros = 0;
  std::chrono::milliseconds retry_after{0};
};

struct AcquireOutcome {
  std::optional<Reservation> reservation;  // granted
  std::optional<Denial> denial;            // denied
  bool granted() const { return reservation.has_value(); }
};

// Reported while a blocking acquire waits: "waiting 12 s for tpm of key:…".
struct WaitEvent {
  std::string scope;
  std::string limit_name;
  std::chrono::milliseconds wait{0};
};
using WaitCallback = std::function<void(const WaitEvent&)>;

struct AcquireOptions {
  // Give up (kDeadlineExceeded) when the slot would start later than this from now.
  // Default 10 minutes.
  std::chrono::milliseconds timeout = std::chrono::minutes(10);
  // When it becomes true the wait ends with kCancelled and the reservation is refunded.
  const std::atomic<bool>* cancelled = nullptr;
  // Called before each wait; default: Options::on_wait.
  WaitCallback on_wait;
};

// What the server reported for one dimension of a scope (x-ratelimit-* headers).
struct ServerView {
  std::string dimension;
  int64_t remaining = -1;                 // < 0: not reported
  std::chrono::microseconds reset{0};     // time until the server's bucket is full again
};

// A limit as it stands now.
struct LimitUsage {
  Limit limit;
  std::string name;        // "rpm", "tpd", "usd_micros/1d"
  int64_t used = 0;
  int64_t remaining = 0;   // the largest cost that passes now
  int64_t reset_micros = 0;  // rolling: when the bucket is full again; calendar: window end
};

class LLMGATE_EXPORT Limiter {
 public:
  virtual ~Limiter() = default;

  // Checks and reserves every dimension of every scope in one transaction, all or nothing.
  // Granted: a reservation (maybe starting in the future, within max_wait). Denied: which
  // limit and when it could pass (a normal outcome, not an error). Errors:
  // kRequestTooLarge when a cost exceeds a whole limit (it can never pass),
  // kInvalidArgument for bad costs, kDataLoss/kFailedPrecondition/kUnavailable when
  // quota.db cannot be used: the limiter fails closed and never grants then.
  virtual Result<AcquireOutcome> TryAcquire(const AcquireRequest& request) = 0;

  // Blocking form: reserves a slot (waiting for a slot to exist when none can be reserved
  // yet) and sleeps until it starts. kDeadlineExceeded past options.timeout, kCancelled.
  virtual Result<Reservation> Acquire(const AcquireRequest& request, const AcquireOptions& options = {}) = 0;

  // Charges or refunds the difference once actual usage is known; returns the reservation
  // updated to the actual cost (for a further reconcile).
  virtual Result<Reservation> Reconcile(const Reservation& reservation, const std::vector<Cost>& actual) = 0;

  // Refunds a request that never went out.
  virtual Status Cancel(const Reservation& reservation) = 0;

  // Makes the local state of `scope` at least as strict as the server's view, read as of
  // now.
  virtual Status Observe(std::string_view scope, const std::vector<ServerView>& views) = 0;

  // Observe for the views in the answer (or the 429) to the request reserved by
  // `answered`: a per-minute (rolling) limit reads them as of when the server saw that
  // request, so the requests reserved after it and still on their way stay counted (see
  // Reservation::marks). A limit the reservation holds no mark of is read as of now.
  // Prefer this to Observe whenever the headers answer a reserved request.
  virtual Status ObserveAnswer(std::string_view scope, const std::vector<ServerView>& views,
                               const Reservation& answered) = 0;

  // Holds `scope` for every process until `until_micros` (a 429 with retry-after).
  virtual Status Block(std::string_view scope, int64_t until_micros) = 0;

  // Every limit of `scope` ("" = of every scope) with its current usage.
  virtual Result<std::vector<LimitUsage>> Usage(std::string_view scope = {}) = 0;

  // Stores limits for every process. A configured limit replaces the one of the same
  // scope, dimension, window and kind (the change is logged); a learned one never
  // replaces a configured one. State (what was spent) is kept across changes.
  virtual Status SetLimits(const std::vector<Limit>& limits) = 0;

  // Removes a limit and its state.
  virtual Status RemoveLimit(const Limit& limit) = 0;

  // Forgets what was spent in `scope` ("" = in every scope), for every process: each of
  // its limits starts over (a rolling bucket full, a calendar window empty) and a block on
  // the scope ends; the limits themselves stay. For an operator (`llmgate quota reset`)
  // after a mistake or a change of plan: the server keeps its own count, so resetting
  // does not add capacity there. Logged at warning level. kNotFound when a named scope
  // holds no quota state (no limit and no block).
  virtual Status ResetUsage(std::string_view scope) = 0;
};

}  // namespace llmgate

#endif  // LLMGATE_LIMITER_H_
