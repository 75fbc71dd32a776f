// What every process of the state directory knows about the API keys it uses, kept in
// quota.db by fingerprint (never the key itself): the group whose limits a key draws from.
// The key pool adds usage and health here.
#ifndef LLMGATE_LIB_KEYS_KEY_STORE_H_
#define LLMGATE_LIB_KEYS_KEY_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "llmgate/status.h"
#include "store/connection_pool.h"
#include "store/db_config.h"

namespace llmgate::internal {

// The quota.db migration that creates the key tables (schema version 2).
extern const char kKeyTablesSql[];

enum class GroupSource {
  kDeclared = 1,  // the organization or project the user configured for the key
  kServer = 2,    // the openai-organization header of an answer to the key
};

struct KeyGroup {
  std::string group;  // a scope name: "org:org-abc", "project:proj_1"
  GroupSource source = GroupSource::kServer;
};

class KeyStore {
 public:
  // quota.db must already be at schema version 2 or later (SqliteQuotaBackend::Open
  // migrates it).
  explicit KeyStore(DbConfig config) : pool_(std::move(config)) {}

  // The group recorded for a key, if any.
  Result<std::optional<KeyGroup>> GroupOf(const std::string& fingerprint);

  // Records (or replaces) a key's label and group.
  Status SetGroup(const std::string& fingerprint, const std::string& label, const KeyGroup& group, int64_t now_micros);

 private:
  Status Run(const char* what, const std::function<void(Connection&)>& op);

  ConnectionPool pool_;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_STORE_H_
