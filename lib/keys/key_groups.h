// Which group (organization or project) each key belongs to, so that keys of one group
// draw from one set of learned limits instead of multiplying them. A declared group wins;
// otherwise the organization the server names is recorded in quota.db for every process,
// and until anyone knows it, the key is a group of its own.
#ifndef LLMGATE_LIB_KEYS_KEY_GROUPS_H_
#define LLMGATE_LIB_KEYS_KEY_GROUPS_H_

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "keys/key_scopes.h"
#include "keys/key_store.h"
#include "llmgate/clock.h"
#include "util/logger.h"

namespace llmgate::internal {

class KeyGroups {
 public:
  KeyGroups(KeyStore* store, std::shared_ptr<Clock> clock, const Logger* logger);

  // The key's group scope (never empty for a key; "" only without a key and group).
  std::string GroupOf(const ApiKey& key);

  // An answer to `key` named its organization. Returns true when the key's group changed.
  bool Learn(const ApiKey& key, const std::string& server_organization);

 private:
  KeyStore* store_;
  std::shared_ptr<Clock> clock_;
  const Logger* logger_;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> known_;  // fingerprint -> group scope
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_GROUPS_H_
