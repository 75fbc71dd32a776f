#include "client/rate_learning.h"

#include <utility>

namespace llmgate::internal {
namespace {

constexpr RateDimension kDimensions[] = {RateDimension::kRequests, RateDimension::kTokens, RateDimension::kImages};

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
  Learn(scope, LimitsFromHeaders(scope, headers));
}

void RateLearner::Observe(const std::string& scope, const RateLimitHeaders& headers) {
  if (scope.empty()) return;
  std::vector<ServerView> views = ViewsFromHeaders(headers);
  if (views.empty()) return;
  if (Status s = limiter_->Observe(scope, views); !s.ok() && logger_)
    logger_->Warn("could not record the server's rate-limit state of ", scope, ": ", s.ToString());
}

void RateLearner::OnThrottled(const std::string& scope, int64_t until_micros) {
  if (scope.empty()) return;
  if (Status s = limiter_->Block(scope, until_micros); !s.ok() && logger_)
    logger_->Warn("could not share the server's wait for ", scope, ": ", s.ToString());
}

void RateLearner::Learn(const std::string& scope, std::vector<LimitDef> defs) {
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
  if (first_time) WarnOnMismatch(scope, changed);
}

// Configured limits win over learned ones of the same scope, dimension and window. When
// they disagree with what the server says, the user wants to know: either the
// configuration is stale or it was meant to be stricter.
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
                      def.limit, "; the configured one applies");
      }
    }
  }
}

}  // namespace llmgate::internal
