// Shared learning: what one answer says about the server's limits is written where every
// process of the state directory reads it, so that the second process does not meet the
// 429 the first one met.
//
//   x-ratelimit-limit-*                 -> learned limits (per minute) of the group x model,
//                                          kept in its server scope (keys/key_scopes.h)
//   x-ratelimit-remaining-* / reset-*   -> Limiter::ObserveAnswer: local state at least as strict
//   429 with a wait                     -> Limiter::Block of the server scope until then
//
// Every method takes the group x model scope; learned limits, observations and holds go
// to its server scope (which every call of the group and model draws from), so that a
// configured limit of the group x model, which the user may set higher or lower, never
// replaces what the server enforces. Observations also go to the group x model scope, to
// keep configured limits there in step with the server.
#ifndef LLMGATE_LIB_CLIENT_RATE_LEARNING_H_
#define LLMGATE_LIB_CLIENT_RATE_LEARNING_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "http/ratelimit_headers.h"
#include "limit/gate_limiter.h"
#include "limit/limit_def.h"
#include "util/logger.h"

namespace llmgate::internal {

// The per-minute limits the headers define for `scope` (requests, tokens, images; those
// the server reports).
std::vector<LimitDef> LimitsFromHeaders(const std::string& scope, const RateLimitHeaders& headers);

// The server's view of each dimension it reports, for Limiter::ObserveAnswer.
std::vector<ServerView> ViewsFromHeaders(const RateLimitHeaders& headers);

class RateLearner {
 public:
  RateLearner(GateLimiter* limiter, const Logger* logger, bool learn_limits)
      : limiter_(limiter), logger_(logger), learn_limits_(learn_limits) {}

  // After any answer, for the scope the server limits (the group x model): stores the
  // limits its x-ratelimit-limit-* headers define. Failures are logged, never returned.
  void LearnLimits(const std::string& scope, const RateLimitHeaders& headers);

  // Makes the scope's local state at least as strict as the remaining/reset headers of
  // an answer that settles no usage (a 429, an error), read as of when the server saw the
  // request `answered` reserved (Limiter::ObserveAnswer). Call it once that reservation is
  // kept or refunded. Failures are logged, never returned.
  void Observe(const std::string& scope, const RateLimitHeaders& headers, const llmgate::Reservation& answered);

  // Reconciles the call's reservation with its actual cost, then Observe(scope, headers),
  // in one step of the store. Returns the reconciliation's result; a failed observation is
  // logged, never returned.
  Result<llmgate::Reservation> ReconcileAndObserve(const llmgate::Reservation& reservation,
                                                   const std::vector<llmgate::Cost>& actual, const std::string& scope,
                                                   const RateLimitHeaders& headers);

  // A 429 told every caller of `scope` to wait until `until_micros`.
  void OnThrottled(const std::string& scope, int64_t until_micros);

 private:
  void Learn(const std::string& scope, std::vector<LimitDef> defs, const std::string& configured_scope);
  void WarnOnMismatch(const std::string& scope, const std::vector<LimitDef>& defs);

  GateLimiter* limiter_;
  const Logger* logger_;
  bool learn_limits_;
  std::mutex mu_;
  // What this process stored last, per scope and dimension, so that an unchanged limit
  // costs no write.
  std::map<std::pair<std::string, std::string>, int64_t> stored_;
  std::set<std::string> checked_scopes_;  // scopes compared with configured limits once
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CLIENT_RATE_LEARNING_H_
