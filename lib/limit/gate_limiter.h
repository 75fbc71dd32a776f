// The public Limiter of a gate: checks input, converts the public types to the pure
// core's, waits for reserved slots (reporting and honouring deadlines and cancellation),
// logs limit changes, and leaves every decision about quota to the core and every
// storage detail to the QuotaBackend.
#ifndef LLMGATE_LIB_LIMIT_GATE_LIMITER_H_
#define LLMGATE_LIB_LIMIT_GATE_LIMITER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "limit/limit_def.h"
#include "limit/quota_backend.h"
#include "llmgate/clock.h"
#include "llmgate/limiter.h"
#include "util/interruptible_sleep.h"
#include "util/logger.h"

namespace llmgate::internal {

struct GateLimiterConfig {
  std::string default_scope = "global";  // for limits, acquires and views that name none
  WaitCallback on_wait;                  // default wait callback of blocking acquires
  const Logger* logger = nullptr;
  std::shared_ptr<Clock> clock;  // sleeps and deadlines of blocking acquires
};

class GateLimiter final : public Limiter {
 public:
  // Blocking acquires sleep in slices of at most this much, so that a cancellation is
  // noticed within it.
  static constexpr int64_t kSleepSliceMicros = kInterruptibleSleepSliceMicros;

  GateLimiter(GateLimiterConfig config, std::unique_ptr<QuotaBackend> backend);

  // The public types are spelled llmgate::... here: the core has types of the same names.
  Result<AcquireOutcome> TryAcquire(const llmgate::AcquireRequest& request) override;
  Result<llmgate::Reservation> Acquire(const llmgate::AcquireRequest& request, const AcquireOptions& options) override;
  Result<llmgate::Reservation> Reconcile(const llmgate::Reservation& reservation,
                                         const std::vector<llmgate::Cost>& actual) override;
  Status Cancel(const llmgate::Reservation& reservation) override;
  Status Observe(std::string_view scope, const std::vector<ServerView>& views) override;
  Status ObserveAnswer(std::string_view scope, const std::vector<ServerView>& views,
                       const llmgate::Reservation& answered) override;
  // Reconcile, then Observe(scope, views) for each of `observed_scopes`, in one step of the
  // store (QuotaBackend::ReconcileAndObserve): what a call does once its answer is in. The
  // observations' outcome goes to *observed. Input Reconcile or Observe would refuse does
  // nothing at all (both statuses are that error).
  Result<llmgate::Reservation> ReconcileAndObserve(const llmgate::Reservation& reservation,
                                                   const std::vector<llmgate::Cost>& actual,
                                                   const std::vector<std::string>& observed_scopes,
                                                   const std::vector<ServerView>& views, Status* observed);
  Status Block(std::string_view scope, int64_t until_micros) override;
  Result<std::vector<llmgate::LimitUsage>> Usage(std::string_view scope) override;
  // The usage of several scopes (every scope when nullopt), read at one moment in one read
  // of the store: the key pool weighs the scopes of every key on each call.
  Result<std::vector<llmgate::LimitUsage>> UsageOf(const std::optional<std::vector<std::string>>& scopes);
  Status SetLimits(const std::vector<llmgate::Limit>& limits) override;
  Status RemoveLimit(const llmgate::Limit& limit) override;
  Status ResetUsage(std::string_view scope) override;

  // Stores configured limits (already validated and scoped, as CollectConfiguredLimits
  // returns them); changes are logged.
  Status Configure(std::vector<LimitDef> defs);

  // Stores limits learned from the server (x-ratelimit-limit-* headers) for every process.
  // They never replace a configured limit of the same scope, dimension, window and kind.
  Status LearnLimits(std::vector<LimitDef> defs);

  QuotaBackend& backend() { return *backend_; }

 private:
  // The request validated and in the core's types (max_wait and now left for Attempt).
  Result<AcquireRequest> Check(const llmgate::AcquireRequest& request) const;
  Result<Reservation> CheckReservation(const llmgate::Reservation& reservation) const;
  // Reconcile's input validated and in the core's types.
  struct ReconcileInput {
    Reservation reservation;
    std::vector<Cost> actual;
  };
  Result<ReconcileInput> CheckReconcile(const llmgate::Reservation& reservation,
                                        const std::vector<llmgate::Cost>& actual) const;
  // Observe and ObserveAnswer: `answered` is the checked reservation, or null.
  Status ObserveAgainst(std::string_view scope, const std::vector<ServerView>& views, const Reservation* answered);
  // One acquire transaction; kRequestTooLarge when the cost can never pass.
  Result<AcquireResult> Attempt(AcquireRequest request, int64_t max_wait_micros);
  // Sleeps (in slices) until `until`, which must be <= `deadline`; kCancelled when cancelled
  // first, kDeadlineExceeded when the clock woke past the deadline.
  Status SleepUntil(int64_t until, int64_t deadline, const std::atomic<bool>* cancelled) const;
  void ReportWait(const WaitCallback& callback, const std::string& scope, const std::string& limit_name,
                  int64_t wait_micros) const;
  Status Store(std::vector<LimitDef> defs);
  std::string ScopeOrDefault(std::string_view scope) const;

  GateLimiterConfig config_;
  std::unique_ptr<QuotaBackend> backend_;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_GATE_LIMITER_H_
