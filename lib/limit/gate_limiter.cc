#include "limit/gate_limiter.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "limit/limit_convert.h"
#include "limit/limit_spec.h"
#include "util/interruptible_sleep.h"

namespace llmgate::internal {
namespace {

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

int64_t MillisToMicros(int64_t ms) {
  if (ms > kMaxInt64 / 1000) return kMaxInt64;
  if (ms < -kMaxInt64 / 1000) return -kMaxInt64;
  return ms * 1000;
}

int64_t AddSaturated(int64_t a, int64_t b) {
  int64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? (b > 0 ? kMaxInt64 : std::numeric_limits<int64_t>::min()) : sum;
}

// Whole milliseconds, rounded up: a caller that waits this long is never too early.
std::chrono::milliseconds CeilMillis(int64_t micros) {
  if (micros <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(micros / 1000 + (micros % 1000 != 0 ? 1 : 0));
}

bool IsCancelled(const std::atomic<bool>* cancelled) {
  return cancelled != nullptr && cancelled->load(std::memory_order_acquire);
}

// Scopes name keys, groups and models; they are stored and logged, so control characters
// (which would garble both) are refused.
Status CheckScopeName(std::string_view scope) {
  for (char c : scope) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgumentError("scope names may not contain control characters");
    }
  }
  return Status::Ok();
}

// The server's views as the backend takes them; kInvalidArgument for a bad one.
Result<std::vector<ServerObservation>> ToObservations(const std::vector<ServerView>& views) {
  std::vector<ServerObservation> observations;
  for (const ServerView& v : views) {
    if (!IsValidDimension(v.dimension))
      return InvalidArgumentError("observe: bad dimension name '" + v.dimension + "'");
    if (v.reset.count() < 0) return InvalidArgumentError("observe: reset of '" + v.dimension + "' must be >= 0");
    observations.push_back({v.dimension, v.remaining, v.reset.count()});
  }
  return observations;
}

Status CheckCosts(const std::vector<llmgate::Cost>& costs, const char* what) {
  for (const llmgate::Cost& c : costs) {
    if (!IsValidDimension(c.dimension)) {
      return InvalidArgumentError(std::string(what) + ": bad dimension name '" + c.dimension +
                                  "' (want requests, tokens, images or a name of your own matching [a-z0-9_]+)");
    }
    if (c.amount < 0) {
      return InvalidArgumentError(std::string(what) + ": amount of '" + c.dimension + "' must be >= 0, got " +
                                  std::to_string(c.amount));
    }
  }
  return Status::Ok();
}

std::string SourceName(LimitSource source) {
  return source == LimitSource::kLearned ? "learned from the server" : "configured";
}

}  // namespace

GateLimiter::GateLimiter(GateLimiterConfig config, std::unique_ptr<QuotaBackend> backend)
    : config_(std::move(config)), backend_(std::move(backend)) {
  if (!config_.clock) config_.clock = SystemClock();
}

std::string GateLimiter::ScopeOrDefault(std::string_view scope) const {
  return scope.empty() ? config_.default_scope : std::string(scope);
}

Result<AcquireRequest> GateLimiter::Check(const llmgate::AcquireRequest& request) const {
  if (request.max_wait.count() < 0) return InvalidArgumentError("acquire: max_wait must be >= 0");
  if (Status s = CheckCosts(request.cost, "acquire"); !s.ok()) return s;
  AcquireRequest out;
  // No scope means the default scope: an application that configured only "rpm=500"
  // (which lands in the default scope) needs to name nothing.
  if (request.scopes.empty()) out.scopes.push_back(config_.default_scope);
  for (const std::string& scope : request.scopes) {
    if (Status s = CheckScopeName(scope); !s.ok()) return s;
    out.scopes.push_back(ScopeOrDefault(scope));
  }
  out.costs = ToCoreCosts(request.cost);
  return out;
}

Result<Reservation> GateLimiter::CheckReservation(const llmgate::Reservation& reservation) const {
  if (reservation.scopes.empty()) return InvalidArgumentError("reservation names no scope");
  if (Status s = CheckCosts(reservation.cost, "reservation"); !s.ok()) return s;
  return ToCoreReservation(reservation);
}

Result<GateLimiter::ReconcileInput> GateLimiter::CheckReconcile(const llmgate::Reservation& reservation,
                                                               const std::vector<llmgate::Cost>& actual) const {
  Result<Reservation> core = CheckReservation(reservation);
  if (!core.ok()) return core.status();
  if (Status s = CheckCosts(actual, "reconcile"); !s.ok()) return s;
  return ReconcileInput{std::move(core).value(), ToCoreCosts(actual)};
}

Result<AcquireResult> GateLimiter::Attempt(AcquireRequest request, int64_t max_wait_micros) {
  request.max_wait_micros = max_wait_micros;
  Result<AcquireResult> r = backend_->Acquire(std::move(request));
  if (!r.ok()) return r;
  if (r->plan.outcome == PlanOutcome::kTooLarge) return PlanStatus(r->plan, r->now);
  return r;
}

Result<AcquireOutcome> GateLimiter::TryAcquire(const llmgate::AcquireRequest& request) {
  Result<AcquireRequest> checked = Check(request);
  if (!checked.ok()) return checked.status();
  Result<AcquireResult> r = Attempt(std::move(checked).value(), MillisToMicros(request.max_wait.count()));
  if (!r.ok()) return r.status();
  AcquireOutcome out;
  const AcquirePlan& plan = r->plan;
  if (plan.outcome == PlanOutcome::kGranted) {
    out.reservation = ToPublicReservation(plan.reservation);
  } else {
    Denial d;
    d.scope = plan.binding_scope;
    d.limit_name = plan.binding_name;
    d.retry_at_micros = plan.start_micros;
    d.retry_after = CeilMillis(plan.start_micros - r->now);
    out.denial = std::move(d);
  }
  return out;
}

Result<llmgate::Reservation> GateLimiter::Acquire(const llmgate::AcquireRequest& request,
                                                  const AcquireOptions& options) {
  if (options.timeout.count() < 0) return InvalidArgumentError("acquire: timeout must be >= 0");
  Result<AcquireRequest> checked = Check(request);
  if (!checked.ok()) return checked.status();
  const WaitCallback& on_wait = options.on_wait ? options.on_wait : config_.on_wait;
  const Clock& clock = *config_.clock;
  const int64_t deadline = AddSaturated(clock.NowMicros(), MillisToMicros(options.timeout.count()));
  const int64_t request_max_wait = MillisToMicros(request.max_wait.count());

  for (;;) {
    if (IsCancelled(options.cancelled)) return Status(StatusCode::kCancelled, "acquire cancelled");
    const int64_t remaining = deadline - clock.NowMicros();
    if (remaining < 0) return Status(StatusCode::kDeadlineExceeded, "acquire: no quota before the timeout");
    // Booking a slot up to the deadline in one transaction keeps waiting processes in the
    // order they asked and costs no polling. A request's own max_wait, when set, caps how
    // far ahead it holds capacity; beyond that it waits for the slot to come within reach.
    const int64_t max_wait = request_max_wait > 0 ? std::min(request_max_wait, remaining) : remaining;
    Result<AcquireResult> r = Attempt(*checked, max_wait);
    if (!r.ok()) return r.status();
    const AcquirePlan& plan = r->plan;

    if (plan.outcome == PlanOutcome::kGranted) {
      Status waited;
      if (plan.start_micros > deadline) {
        // The backend's clock, read under the lock, ran a little past ours.
        waited = Status(StatusCode::kDeadlineExceeded, "acquire: no quota before the timeout");
      } else {
        if (plan.start_micros > r->now) {
          ReportWait(on_wait, plan.binding_scope, plan.binding_name, plan.start_micros - r->now);
        }
        waited = SleepUntil(plan.start_micros, deadline, options.cancelled);
      }
      if (waited.ok()) return ToPublicReservation(plan.reservation);
      // The slot will not be used: hand it back so that others (and a retry) can have it.
      if (Status s = backend_->Cancel(plan.reservation); !s.ok() && config_.logger) {
        config_.logger->Warn("could not refund an abandoned reservation: ", s.ToString());
      }
      return waited;
    }

    // Denied: the slot lies beyond the request's max_wait, or beyond the deadline.
    const int64_t wait = plan.start_micros - r->now;
    if (plan.start_micros > deadline) {
      const std::string which = plan.binding_name == "block"
                                    ? "scope '" + plan.binding_scope + "' is blocked"
                                    : "the " + plan.binding_name + " limit of scope '" + plan.binding_scope + "'";
      Status s(StatusCode::kDeadlineExceeded, "acquire: " + which + " lets the request start only in " +
                                                  std::to_string(CeilMillis(wait).count()) + " ms, after the timeout");
      s.set_retry_after(CeilMillis(wait));
      return s;
    }
    ReportWait(on_wait, plan.binding_scope, plan.binding_name, wait);
    if (Status s = SleepUntil(plan.start_micros, deadline, options.cancelled); !s.ok()) return s;
  }
}

Status GateLimiter::SleepUntil(int64_t until, int64_t deadline, const std::atomic<bool>* cancelled) const {
  // Callers pass until <= deadline, so the deadline can only have passed once `until` has.
  const SleepOutcome slept = InterruptibleSleepUntil(*config_.clock, until, cancelled);
  if (slept.cancelled) return Status(StatusCode::kCancelled, "acquire cancelled while waiting for quota");
  if (slept.now_micros > deadline) {
    return Status(StatusCode::kDeadlineExceeded, "acquire: the timeout passed while waiting for quota");
  }
  return Status::Ok();
}

void GateLimiter::ReportWait(const WaitCallback& callback, const std::string& scope, const std::string& limit_name,
                             int64_t wait_micros) const {
  WaitEvent event;
  event.scope = scope;
  event.limit_name = limit_name;
  event.wait = CeilMillis(wait_micros);
  if (config_.logger) {
    config_.logger->Debug("waiting ", event.wait.count(), " ms for ", limit_name, " of scope '", scope, "'");
  }
  if (callback) callback(event);
}

Result<llmgate::Reservation> GateLimiter::Reconcile(const llmgate::Reservation& reservation,
                                                    const std::vector<llmgate::Cost>& actual) {
  Result<ReconcileInput> input = CheckReconcile(reservation, actual);
  if (!input.ok()) return input.status();
  Result<Reservation> updated = backend_->Reconcile(input->reservation, input->actual);
  if (!updated.ok()) return updated.status();
  return ToPublicReservation(*updated);
}

Status GateLimiter::Cancel(const llmgate::Reservation& reservation) {
  Result<Reservation> core = CheckReservation(reservation);
  if (!core.ok()) return core.status();
  return backend_->Cancel(*core);
}

Status GateLimiter::Observe(std::string_view scope, const std::vector<ServerView>& views) {
  return ObserveAgainst(scope, views, /*answered=*/nullptr);
}

Status GateLimiter::ObserveAnswer(std::string_view scope, const std::vector<ServerView>& views,
                                  const llmgate::Reservation& answered) {
  Result<Reservation> core = CheckReservation(answered);
  if (!core.ok()) return core.status();
  return ObserveAgainst(scope, views, &*core);
}

Status GateLimiter::ObserveAgainst(std::string_view scope, const std::vector<ServerView>& views,
                                   const Reservation* answered) {
  if (Status s = CheckScopeName(scope); !s.ok()) return s;
  Result<std::vector<ServerObservation>> observations = ToObservations(views);
  if (!observations.ok()) return observations.status();
  return backend_->Observe(ScopeOrDefault(scope), *observations, answered);
}

Result<llmgate::Reservation> GateLimiter::ReconcileAndObserve(const llmgate::Reservation& reservation,
                                                              const std::vector<llmgate::Cost>& actual,
                                                              const std::vector<std::string>& observed_scopes,
                                                              const std::vector<ServerView>& views, Status* observed) {
  // Refused input does nothing at all.
  auto refuse = [observed](Status s) {
    *observed = s;
    return s;
  };
  Result<ReconcileInput> input = CheckReconcile(reservation, actual);
  if (!input.ok()) return refuse(input.status());
  Result<std::vector<ServerObservation>> observations = ToObservations(views);
  if (!observations.ok()) return refuse(observations.status());
  std::vector<std::string> scopes;
  for (const std::string& scope : observed_scopes) {
    if (Status s = CheckScopeName(scope); !s.ok()) return refuse(s);
    scopes.push_back(ScopeOrDefault(scope));
  }
  Result<Reservation> updated =
      backend_->ReconcileAndObserve(input->reservation, input->actual, scopes, *observations, observed);
  if (!updated.ok()) return updated.status();
  return ToPublicReservation(*updated);
}

Status GateLimiter::Block(std::string_view scope, int64_t until_micros) {
  if (Status s = CheckScopeName(scope); !s.ok()) return s;
  return backend_->Block(ScopeOrDefault(scope), until_micros);
}

Result<std::vector<llmgate::LimitUsage>> GateLimiter::Usage(std::string_view scope) {
  if (Status s = CheckScopeName(scope); !s.ok()) return s;
  std::optional<std::vector<std::string>> selected;
  if (!scope.empty()) selected.emplace(1, std::string(scope));
  return UsageOf(selected);
}

Result<std::vector<llmgate::LimitUsage>> GateLimiter::UsageOf(const std::optional<std::vector<std::string>>& scopes) {
  Result<std::vector<LimitReport>> reports = backend_->Usage(scopes);
  if (!reports.ok()) return reports.status();
  std::vector<llmgate::LimitUsage> out;
  out.reserve(reports->size());
  for (const LimitReport& r : *reports) out.push_back(ToPublicUsage(r.def, r.usage));
  return out;
}

Status GateLimiter::SetLimits(const std::vector<llmgate::Limit>& limits) {
  std::vector<LimitDef> defs;
  for (const llmgate::Limit& limit : limits) {
    if (Status s = CheckScopeName(limit.scope); !s.ok()) return s;
    defs.push_back(ToLimitDef(limit, config_.default_scope));
    if (Status s = ValidateLimitDef(defs.back()); !s.ok()) return s;
  }
  return Store(std::move(defs));
}

Status GateLimiter::Configure(std::vector<LimitDef> defs) {
  for (LimitDef& def : defs) def.source = LimitSource::kConfigured;
  return Store(std::move(defs));
}

Status GateLimiter::LearnLimits(std::vector<LimitDef> defs) {
  for (LimitDef& def : defs) {
    def.source = LimitSource::kLearned;
    if (def.scope.empty()) def.scope = config_.default_scope;
    if (Status s = ValidateLimitDef(def); !s.ok()) return s;
  }
  return Store(std::move(defs));
}

Status GateLimiter::Store(std::vector<LimitDef> defs) {
  if (defs.empty()) return Status::Ok();
  Result<std::vector<LimitChange>> changes = backend_->SetLimits(defs);
  if (!changes.ok()) return changes.status();
  if (!config_.logger) return Status::Ok();
  for (const LimitChange& c : *changes) {
    // Learned limits follow the server and may change often; configured ones are news.
    const LogLevel level = c.after.source == LimitSource::kLearned ? LogLevel::kDebug : LogLevel::kInfo;
    if (!c.before) {
      config_.logger->Log(level, "quota limit ", FormatLimitSpec(c.after), " stored (", SourceName(c.after.source),
                          ")");
    } else {
      config_.logger->Log(level, "quota limit ", FormatLimitSpec(*c.before), " (", SourceName(c.before->source),
                          ") changed to ", FormatLimitSpec(c.after), " (", SourceName(c.after.source),
                          "); what was already spent stays spent");
    }
  }
  return Status::Ok();
}

Status GateLimiter::RemoveLimit(const llmgate::Limit& limit) {
  if (Status s = CheckScopeName(limit.scope); !s.ok()) return s;
  const LimitDef def = ToLimitDef(limit, config_.default_scope);
  if (!IsValidDimension(def.dimension)) return InvalidArgumentError("bad dimension name '" + def.dimension + "'");
  Result<bool> removed = backend_->RemoveLimit(def);
  if (!removed.ok()) return removed.status();
  if (!*removed) return NotFoundError("no limit " + LimitName(def) + " of scope '" + def.scope + "'");
  if (config_.logger) config_.logger->Info("quota limit ", LimitName(def), " of scope '", def.scope, "' removed");
  return Status::Ok();
}

Status GateLimiter::ResetUsage(std::string_view scope) {
  // Unlike the other calls, "" means every scope here (as for Usage), not the default one.
  if (Status s = CheckScopeName(scope); !s.ok()) return s;
  const bool all = scope.empty();
  Result<std::vector<std::string>> reset =
      backend_->ResetUsage(all ? std::nullopt : std::optional<std::string>(std::string(scope)));
  if (!reset.ok()) return reset.status();
  if (!all && reset->empty()) {
    return NotFoundError("no quota state for scope '" + std::string(scope) + "' (it has no limit and no block)");
  }
  // Forgetting what was spent can let this host exceed a provider's limit: always say so.
  if (config_.logger) {
    std::string names;
    for (const std::string& name : *reset) names += (names.empty() ? "'" : ", '") + name + "'";
    const std::string what = all ? "every scope (" + (names.empty() ? std::string("none stored") : names) + ")"
                                 : "scope " + names;
    config_.logger->Warn("quota usage of ", what,
                         " reset by hand: what was spent there is forgotten and the full limits are available again");
  }
  return Status::Ok();
}

}  // namespace llmgate::internal
