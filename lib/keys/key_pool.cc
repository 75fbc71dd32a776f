#include "keys/key_pool.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "limit/fingerprint.h"
#include "util/interruptible_sleep.h"

namespace llmgate::internal {
namespace {

// While every usable key waits for a lease, the pool looks again this often.
constexpr int64_t kLeasePollMicros = 20'000;

bool Cancelled(const std::atomic<bool>* flag) { return flag && flag->load(std::memory_order_relaxed); }

StatusCode DisabledCode(const std::string& reason) {
  if (reason == "insufficient_quota") return StatusCode::kQuotaExhausted;
  if (reason == "http_403" || reason == "permission_denied") return StatusCode::kPermissionDenied;
  return StatusCode::kUnauthenticated;
}

}  // namespace

}  // namespace llmgate::internal

namespace llmgate {

std::string_view KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kActive: return "active";
    case KeyState::kCoolingDown: return "cooling_down";
    case KeyState::kDisabled: return "disabled";
  }
  return "unknown";
}

}  // namespace llmgate

namespace llmgate::internal {

GateKeyPool::GateKeyPool(KeyPoolConfig config, KeyStore* store, KeyGroups* groups, GateLimiter* limiter)
    : config_(std::move(config)), store_(store), groups_(groups), limiter_(limiter) {}

Status GateKeyPool::Init(const std::vector<ApiKeySpec>& specs) {
  for (const ApiKeySpec& spec : specs) {
    if (Status s = Add(spec); !s.ok()) return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_.empty()) {
    auto none = std::make_shared<ApiKey>(ApiKey::From(""));
    none->organization = config_.organization;
    none->project = config_.project;
    none->declared_group = DeclaredGroup(none->organization, none->project);
    keys_.push_back(std::move(none));
  }
  return Status::Ok();
}

Status GateKeyPool::Add(const ApiKeySpec& spec) {
  if (spec.key.empty()) return InvalidArgumentError("an API key may not be empty");
  auto key = std::make_shared<ApiKey>(ApiKey::From(spec.key));
  if (!spec.label.empty()) key->label = spec.label;
  key->base_url = spec.base_url;
  while (key->base_url.size() > 1 && key->base_url.back() == '/') key->base_url.pop_back();
  key->organization = spec.organization.empty() ? config_.organization : spec.organization;
  key->project = spec.project.empty() ? config_.project : spec.project;
  key->declared_group = DeclaredGroup(key->organization, key->project);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& k : keys_)
      if (k->fingerprint == key->fingerprint) return Status::Ok();
  }
  const int64_t now = config_.clock->NowMicros();
  if (Status s = store_->Register(key->fingerprint, key->label, now); !s.ok()) return s;
  if (!key->declared_group.empty()) {
    if (Status s = store_->SetGroup(key->fingerprint, key->label, KeyGroup{key->declared_group, GroupSource::kDeclared},
                                    now);
        !s.ok())
      return s;
  }
  if (!spec.limits.empty()) {
    std::vector<Limit> limits = spec.limits;
    for (Limit& l : limits) l.scope = key->fingerprint;
    if (Status s = limiter_->SetLimits(limits); !s.ok()) return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Keys without a secret stood in for "no key"; a real key replaces them.
  keys_.erase(std::remove_if(keys_.begin(), keys_.end(), [](const auto& k) { return k->secret.empty(); }),
              keys_.end());
  keys_.push_back(std::move(key));
  return Status::Ok();
}

std::vector<std::shared_ptr<const ApiKey>> GateKeyPool::Keys() {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_;
}

Result<std::vector<KeyHealth>> GateKeyPool::List() { return store_->List(config_.clock->NowMicros()); }

Result<std::string> GateKeyPool::Resolve(std::string_view key) {
  if (key.rfind("key:", 0) == 0) return std::string(key);
  Result<std::vector<KeyHealth>> all = List();
  if (!all.ok()) return all.status();
  std::string found;
  for (const KeyHealth& h : *all) {
    if (h.label != key) continue;
    if (!found.empty()) return InvalidArgumentError("several keys have the label '" + std::string(key) +
                                                    "': name one by fingerprint");
    found = h.fingerprint;
  }
  if (found.empty()) return NotFoundError("no key with the label or fingerprint '" + std::string(key) + "'");
  return found;
}

Result<KeyHealth> GateKeyPool::Health(std::string_view key) {
  Result<std::string> fp = Resolve(key);
  if (!fp.ok()) return fp.status();
  Result<std::vector<KeyHealth>> all = List();
  if (!all.ok()) return all.status();
  for (KeyHealth& h : *all)
    if (h.fingerprint == *fp) return std::move(h);
  return NotFoundError("no key " + *fp + " is recorded in this state directory");
}

Status GateKeyPool::Disable(std::string_view key, std::string_view reason) {
  Result<std::string> fp = Resolve(key);
  if (!fp.ok()) return fp.status();
  const std::string why = reason.empty() ? "disabled by hand" : std::string(reason);
  Status s = store_->SetDisabled(*fp, true, why, config_.clock->NowMicros());
  if (s.ok() && config_.logger) config_.logger->Warn("key ", *fp, " disabled: ", why);
  return s;
}

Status GateKeyPool::Enable(std::string_view key) {
  Result<std::string> fp = Resolve(key);
  if (!fp.ok()) return fp.status();
  Status s = store_->SetDisabled(*fp, false, "", config_.clock->NowMicros());
  if (s.ok() && config_.logger) config_.logger->Info("key ", *fp, " enabled");
  return s;
}

std::vector<std::string> GateKeyPool::ScopesOf(const ApiKey& key, const std::string& group,
                                               const std::string& model) const {
  return CallScopes(config_.default_scope, key, group, model);
}

void GateKeyPool::FillHeadroom(const std::vector<std::shared_ptr<const ApiKey>>& keys, const std::string& model,
                               int64_t now, std::vector<KeyCandidate>* candidates) {
  // A key's headroom is the smallest share left of any limit in the scopes it draws from:
  // its own, its group's for the model, and the server's view of that.
  std::vector<std::vector<std::string>> scopes_of(keys.size());
  std::vector<std::string> wanted;
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyCandidate& c = (*candidates)[i];
    if (c.disabled || c.excluded || c.cooldown_until > now) continue;
    const std::string group_model = GroupModelScope(groups_->GroupOf(*keys[i]), model);
    for (std::string scope : {keys[i]->fingerprint, group_model, ServerScope(group_model)}) {
      if (scope.empty()) continue;
      wanted.push_back(scope);
      scopes_of[i].push_back(std::move(scope));
    }
  }
  if (wanted.empty()) return;
  Result<std::vector<llmgate::LimitUsage>> usage = limiter_->UsageOf(wanted);
  if (!usage.ok()) return;  // every key keeps headroom 1: the acquire itself still guards the quota
  std::map<std::string_view, double> least_share;  // scope -> smallest remaining/limit
  for (const llmgate::LimitUsage& u : *usage) {
    if (u.limit.limit <= 0) continue;
    const double share = static_cast<double>(u.remaining) / static_cast<double>(u.limit.limit);
    auto [it, inserted] = least_share.emplace(u.limit.scope, share);
    if (!inserted) it->second = std::min(it->second, share);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    double headroom = 1.0;
    for (const std::string& scope : scopes_of[i]) {
      auto it = least_share.find(scope);
      if (it != least_share.end()) headroom = std::min(headroom, it->second);
    }
    (*candidates)[i].headroom = headroom;
  }
}

bool GateKeyPool::HasAlternative(const std::set<std::string>& excluded) {
  std::vector<std::shared_ptr<const ApiKey>> keys = Keys();
  std::vector<std::string> fps;
  for (const auto& k : keys) fps.push_back(k->fingerprint);
  Result<std::map<std::string, KeySnapshot>> snap = store_->Snapshot(fps);
  for (const auto& k : keys) {
    if (excluded.count(k->fingerprint)) continue;
    if (snap.ok()) {
      auto it = snap->find(k->fingerprint);
      if (it != snap->end() && it->second.condition.disabled) continue;
    }
    return true;
  }
  return false;
}

Result<KeyChoice> GateKeyPool::AcquireWith(std::shared_ptr<const ApiKey> key, const std::vector<llmgate::Cost>& cost,
                                           const std::string& model, const std::atomic<bool>* cancelled,
                                           int64_t deadline, bool blocking, std::optional<Denial>* denial) {
  KeyChoice choice;
  choice.group = groups_->GroupOf(*key);
  llmgate::AcquireRequest request;
  request.scopes = ScopesOf(*key, choice.group, model);
  request.cost = cost;
  if (!key->fingerprint.empty()) {
    Result<std::optional<int64_t>> lease = store_->TryLease(key->fingerprint, config_.max_in_flight,
                                                            config_.clock->NowMicros());
    if (!lease.ok()) return lease.status();
    if (!*lease) return Status(StatusCode::kResourceExhausted, "no lease free");
    choice.lease = **lease;
  }
  auto give_back = [&] { (void)store_->ReleaseLease(choice.lease); };
  if (!blocking) {
    Result<AcquireOutcome> outcome = limiter_->TryAcquire(request);
    if (!outcome.ok()) {
      give_back();
      return outcome.status();
    }
    if (!outcome->granted()) {
      give_back();
      *denial = outcome->denial;
      return Status(StatusCode::kResourceExhausted, "denied");
    }
    choice.reservation = *outcome->reservation;
  } else {
    AcquireOptions options;
    const int64_t left = deadline - config_.clock->NowMicros();
    if (left <= 0) {
      give_back();
      return Status(StatusCode::kDeadlineExceeded, "call deadline passed while choosing a key");
    }
    options.timeout = std::chrono::milliseconds(left / 1000);
    options.cancelled = cancelled;
    options.on_wait = config_.on_wait;
    Result<llmgate::Reservation> r = limiter_->Acquire(request, options);
    if (!r.ok()) {
      give_back();
      return r.status();
    }
    choice.reservation = *r;
  }
  choice.key = std::move(key);
  return choice;
}

Result<KeyChoice> GateKeyPool::Choose(const std::vector<llmgate::Cost>& cost, const std::string& model,
                                      const std::set<std::string>& excluded, const std::atomic<bool>* cancelled,
                                      int64_t deadline) {
  Clock& clock = *config_.clock;
  for (;;) {
    if (Cancelled(cancelled)) return Status(StatusCode::kCancelled, "call cancelled while choosing a key");
    std::vector<std::shared_ptr<const ApiKey>> keys = Keys();
    std::vector<std::string> fps;
    for (const auto& k : keys) fps.push_back(k->fingerprint);
    // When the key store cannot be read, keys are chosen as if all were well: the limiter,
    // which fails closed, still guards the quota.
    Result<std::map<std::string, KeySnapshot>> snap = store_->Snapshot(fps);
    if (!snap.ok() && config_.logger)
      config_.logger->Warn("could not read the keys' condition: ", snap.status().ToString());
    const int64_t now = clock.NowMicros();
    std::vector<KeyCandidate> candidates(keys.size());
    std::string disabled_reason;
    for (size_t i = 0; i < keys.size(); ++i) {
      KeyCandidate& c = candidates[i];
      c.excluded = excluded.count(keys[i]->fingerprint) > 0;
      if (!snap.ok()) continue;
      auto it = snap->find(keys[i]->fingerprint);
      if (it == snap->end()) continue;
      c.disabled = it->second.condition.disabled;
      c.cooldown_until = it->second.condition.cooldown_until;
      c.in_flight = it->second.in_flight;
      c.requests = it->second.requests;
      if (c.disabled && disabled_reason.empty()) disabled_reason = it->second.condition.disabled_reason;
    }
    // Every key not disabled has already failed this call: the caller's retry policy now
    // decides whether to go on, and any of them may serve the retry.
    if (std::all_of(candidates.begin(), candidates.end(), [](const KeyCandidate& c) { return c.disabled || c.excluded; }))
      for (KeyCandidate& c : candidates) c.excluded = false;
    if (config_.policy == KeyPolicy::kMostHeadroom && keys.size() > 1) FillHeadroom(keys, model, now, &candidates);
    const size_t cursor = cursor_.fetch_add(1, std::memory_order_relaxed);
    KeyRanking ranking = RankKeys(candidates, config_.policy, cursor, config_.max_in_flight, now);
    if (!ranking.any_usable) {
      if (!disabled_reason.empty())
        return Status(DisabledCode(disabled_reason), "every API key is disabled (" + disabled_reason +
                                                         "); enable one with KeyPool::Enable or add another");
      return Status(StatusCode::kUnavailable, "no API key is left to try for this call");
    }

    // The first key that can start now; else the one whose wait is shortest.
    std::optional<size_t> soonest;
    int64_t soonest_at = 0;
    for (size_t i : ranking.ready) {
      std::optional<Denial> denial;
      Result<KeyChoice> choice = AcquireWith(keys[i], cost, model, cancelled, deadline, false, &denial);
      if (choice.ok()) return choice;
      if (choice.status().code() != StatusCode::kResourceExhausted) return choice.status();
      if (denial && (!soonest || denial->retry_at_micros < soonest_at)) {
        soonest = i;
        soonest_at = denial->retry_at_micros;
      }
    }
    if (soonest) {
      std::optional<Denial> unused;
      Result<KeyChoice> choice = AcquireWith(keys[*soonest], cost, model, cancelled, deadline, true, &unused);
      if (choice.ok() || choice.status().code() != StatusCode::kResourceExhausted) return choice;
      continue;  // its lease was taken meanwhile
    }

    // Every usable key cools down or has no free lease: wait for the first to come back.
    const int64_t until = ranking.earliest_return > now ? ranking.earliest_return : now + kLeasePollMicros;
    if (until >= deadline) {
      if (ranking.earliest_return <= now)
        return Status(StatusCode::kDeadlineExceeded, "every usable API key is busy (in-flight cap) past the deadline");
      // Throttled, not late: the caller learns when a key comes back, as from a 429.
      Status throttled(StatusCode::kResourceExhausted,
                       "every usable API key is cooling down past the call's deadline");
      throttled.set_retry_after(std::chrono::milliseconds((ranking.earliest_return - now + 999) / 1000));
      return throttled;
    }
    if (ranking.earliest_return > now && config_.on_wait) {
      WaitEvent event;
      event.scope = "keys";
      event.limit_name = "cooldown";
      event.wait = std::chrono::milliseconds((until - now) / 1000);
      config_.on_wait(event);
    }
    // A cancellation seen only once the wait is over is reported by the top of the loop.
    const SleepOutcome slept = InterruptibleSleepUntil(clock, until, cancelled);
    if (slept.cancelled && slept.now_micros < until)
      return Status(StatusCode::kCancelled, "call cancelled while waiting for a key");
  }
}

void GateKeyPool::Finish(const KeyChoice& choice, const AttemptReport& report) {
  if (choice.key->fingerprint.empty()) return;
  const int64_t now = config_.clock->NowMicros();
  Result<KeyCondition> after = store_->Record(choice.key->fingerprint, choice.lease, report, now);
  if (!after.ok()) {
    if (config_.logger)
      config_.logger->Warn("could not record an attempt of key ", choice.key->label, ": ", after.status().ToString());
    return;
  }
  if (!config_.logger) return;
  if (after->disabled && (report.kind == AttemptClass::kAuth || report.kind == AttemptClass::kQuota)) {
    config_.logger->Warn("key ", choice.key->label, " disabled for every process: ", after->disabled_reason,
                         report.request_id.empty() ? "" : " [request " + report.request_id + "]");
  } else if (after->cooldown_until > now) {
    config_.logger->Info("key ", choice.key->label, " cools down for ", (after->cooldown_until - now) / 1000,
                         " ms (", report.error, ")");
  }
}

}  // namespace llmgate::internal
