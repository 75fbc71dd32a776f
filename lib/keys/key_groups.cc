#include "keys/key_groups.h"

#include <utility>

namespace llmgate::internal {

KeyGroups::KeyGroups(KeyStore* store, std::shared_ptr<Clock> clock, const Logger* logger)
    : store_(store), clock_(std::move(clock)), logger_(logger) {}

std::string KeyGroups::GroupOf(const ApiKey& key) {
  if (!key.declared_group.empty()) return key.declared_group;
  if (key.fingerprint.empty()) return {};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = known_.find(key.fingerprint); it != known_.end()) return it->second;
  }
  // First use of the key in this process: another process may already know its group.
  std::string group = key.fingerprint;
  Result<std::optional<KeyGroup>> stored = store_->GroupOf(key.fingerprint);
  if (stored.ok() && *stored) {
    group = (*stored)->group;
  } else if (!stored.ok() && logger_) {
    logger_->Warn("could not read the group of key ", key.label, ": ", stored.status().ToString());
  }
  std::lock_guard<std::mutex> lock(mu_);
  return known_.emplace(key.fingerprint, group).first->second;
}

bool KeyGroups::Learn(const ApiKey& key, const std::string& server_organization) {
  if (!key.declared_group.empty() || key.fingerprint.empty() || server_organization.empty()) return false;
  const std::string group = OrganizationScope(server_organization);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = known_.find(key.fingerprint);
    if (it != known_.end() && it->second == group) return false;
    known_[key.fingerprint] = group;
  }
  Status s = store_->SetGroup(key.fingerprint, key.label, KeyGroup{group, GroupSource::kServer}, clock_->NowMicros());
  if (logger_) {
    if (s.ok()) {
      logger_->Info("key ", key.label, " belongs to ", group, ": it shares that group's limits");
    } else {
      logger_->Warn("could not record that key ", key.label, " belongs to ", group, ": ", s.ToString());
    }
  }
  return true;
}

}  // namespace llmgate::internal
