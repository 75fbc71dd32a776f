#include "client/rate_learning.h"

#include <utility>

#include "keys/key_scopes.h"

namespace llmgate::internal {
namespace {

constexpr RateDimension kDimensions[] = {RateDimension::kRequests, RateDimension::kTokens, RateDimension::kImages};

// Where the server's view of a group x model scope goes: its server scope, and the scope
// itself (see the header).
std::vector<std::string> ObservedScopes(const std::string& scope) { return {ServerScope(scope), scope}; }

}  // namespace

std::vector<LimitDef> LimitsFromHeaders(const std::string& scope, const RateLimitHeaders& headers) {
  std::vector<LimitDef> defs;
  for (RateDimension d : kDimensions) {
    const RateLimitWindow& w = headers.window(d);
    if (!w.limit) continue;
    LimitDef def;
    def.scope = scope;
    def.dimension = std::string(RateDimensionName(d));
    def.limit = *w.limit;
    // OpenAI's buckets hold a minute's worth and refill continuously.
    def.window_micros = kMicrosPerMinute;
    def.burst = *w.limit;
    def.kind = LimitKind::kRolling;
    def.source = LimitSource::kLearned;
    defs.push_back(std::move(def));
  }
  return defs;
}

std::vector<ServerView> ViewsFromHeaders(const RateLimitHeaders& headers) {
  std::vector<ServerView> views;
  for (RateDimension d : kDimensions) {
    const RateLimitWindow& w = headers.window(d);
    if (!w.remaining && !w.reset_micros) continue;
    ServerView v;
    v.dimension = std::string(RateDimensionName(d));
    v.remaining = w.remaining.value_or(-1);
    v.reset = std::chrono::microseconds(w.reset_micros.value_or(0));
    views.push_back(std::move(v));
  }
  return views;
}

void RateLearner::LearnLimits(const std::string& scope, const RateLimitHeaders& headers) {
  if (scope.empty() || !learn_limits_) return;
  const std::string server = ServerScope(scope);
  Learn(server, LimitsFromHeaders(server, headers), scope);
}

void RateLearner::Observe(const std::string& scope, const RateLimitHeaders& headers,
                          const llmgate::Reservation& answered) {
  if (scope.empty()) return;
  std::vector<ServerView> views = ViewsFromHeaders(headers);
  if (views.empty()) return;
  for (const std::string& target : ObservedScopes(scope)) {
    if (Status s = limiter_->ObserveAnswer(target, views, answered); !s.ok() && logger_)
      logger_->Warn("could not record the server's rate-limit state of ", target, ": ", s.ToString());
  }
}

Result<llmgate::Reservation> RateLearner::ReconcileAndObserve(const llmgate::Reservation& reservation,
                                                              const std::vector<llmgate::Cost>& actual,
                                                              const std::string& scope,
                                                              const RateLimitHeaders& headers) {
  std::vector<ServerView> views = scope.empty() ? std::vector<ServerView>() : ViewsFromHeaders(headers);
  const std::vector<std::string> targets = views.empty() ? std::vector<std::string>() : ObservedScopes(scope);
  Status observed;
  Result<llmgate::Reservation> reconciled = limiter_->ReconcileAndObserve(reservation, actual, targets, views, &observed);
  if (!observed.ok() && logger_)
    logger_->Warn("could not record the server's rate-limit state of ", scope, ": ", observed.ToString());
  return reconciled;
}

void RateLearner::OnThrottled(const std::string& scope, int64_t until_micros) {
  if (scope.empty()) return;
  const std::string server = ServerScope(scope);
  if (Status s = limiter_->Block(server, until_micros); !s.ok() && logger_)
    logger_->Warn("could not share the server's wait for ", server, ": ", s.ToString());
}

void RateLearner::Learn(const std::string& scope, std::vector<LimitDef> defs, const std::string& configured_scope) {
  std::vector<LimitDef> changed;
  bool first_time = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (LimitDef& def : defs) {
      auto [it, inserted] = stored_.try_emplace({scope, def.dimension}, 0);
      if (!inserted && it->second == def.limit) continue;
      it->second = def.limit;
      changed.push_back(std::move(def));
    }
    first_time = checked_scopes_.insert(scope).second;
  }
  if (changed.empty()) return;
  if (Status s = limiter_->LearnLimits(changed); !s.ok()) {
    if (logger_) logger_->Warn("could not store the limits learned for ", scope, ": ", s.ToString());
    // Try again with the next answer.
    std::lock_guard<std::mutex> lock(mu_);
    for (const LimitDef& def : changed) stored_.erase({scope, def.dimension});
    return;
  }
  if (first_time) WarnOnMismatch(configured_scope, changed);
}

// A configured limit of the group x model applies beside the server's. When they
// disagree, the user wants to know: a higher one is stale (the server's binds), a lower one
// may be meant as a budget.
void RateLearner::WarnOnMismatch(const std::string& scope, const std::vector<LimitDef>& learned) {
  if (!logger_) return;
  Result<std::vector<llmgate::LimitUsage>> usage = limiter_->Usage(scope);
  if (!usage.ok()) return;
  for (const llmgate::LimitUsage& u : *usage) {
    if (u.limit.source != llmgate::LimitSource::kConfigured || u.limit.kind != WindowKind::kRolling ||
        u.limit.window.count() != kMicrosPerMinute)
      continue;
    for (const LimitDef& def : learned) {
      if (def.dimension == u.limit.dimension && def.limit != u.limit.limit) {
        logger_->Warn("configured limit ", u.name, "=", u.limit.limit, " of ", scope, " differs from the server's ",
                      def.limit, "; the lower of the two applies");
      }
    }
  }
}

}  // namespace llmgate::internal
