// What every process of the state directory knows about the API keys it uses, kept in
// quota.db by fingerprint (never the key itself): each key's group, condition (disabled,
// cooling down), usage counters, shared latency histogram, last error, and the leases of
// requests in flight.
#ifndef LLMGATE_LIB_KEYS_KEY_STORE_H_
#define LLMGATE_LIB_KEYS_KEY_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keys/key_rules.h"
#include "keys/process_identity.h"
#include "llmgate/keys.h"
#include "llmgate/status.h"
#include "store/connection_pool.h"
#include "store/db_config.h"

namespace llmgate::internal {

// The quota.db migration that creates the key tables (schema version 2).
extern const char kKeyTablesSql[];

enum class GroupSource {
  kNone = 0,
  kDeclared = 1,  // the organization or project the user configured for the key
  kServer = 2,    // the openai-organization header of an answer to the key
};

struct KeyGroup {
  std::string group;  // a scope name: "org:org-abc", "project:proj_1"
  GroupSource source = GroupSource::kServer;
};

// What key selection reads about a key.
struct KeySnapshot {
  KeyCondition condition;
  int64_t in_flight = 0;  // live leases
  int64_t requests = 0;
};

class KeyStore {
 public:
  // quota.db must already be at schema version 2 or later (SqliteQuotaBackend::Open
  // migrates it).
  KeyStore(DbConfig config, KeyRules rules)
      : KeyStore(std::make_shared<ConnectionPool>(std::move(config)), rules) {}
  // On connections shared with the quota backend (SqliteQuotaBackend::pool()).
  KeyStore(std::shared_ptr<ConnectionPool> pool, KeyRules rules) : pool_(std::move(pool)), rules_(rules) {}

  // Records a key (a no-op when known, apart from a new label).
  Status Register(const std::string& fingerprint, const std::string& label, int64_t now_micros);

  // The group recorded for a key, if any.
  Result<std::optional<KeyGroup>> GroupOf(const std::string& fingerprint);
  // Records (or replaces) a key's group.
  Status SetGroup(const std::string& fingerprint, const std::string& label, const KeyGroup& group, int64_t now_micros);

  // The condition, live leases and request count of each key asked for (unknown keys
  // are absent).
  Result<std::map<std::string, KeySnapshot>> Snapshot(const std::vector<std::string>& fingerprints);

  // Takes a lease for a request in flight, unless `max_in_flight` (> 0) live leases are
  // held already (leases of dead processes are reclaimed first). nullopt: none free.
  Result<std::optional<int64_t>> TryLease(const std::string& fingerprint, int max_in_flight, int64_t now_micros);

  // Gives a lease back without counting an attempt (the key was not used after all).
  Status ReleaseLease(int64_t lease);

  // Ends an attempt: releases its lease (0 = none), counts it, and applies key_rules.h.
  // Returns the key's condition afterwards.
  Result<KeyCondition> Record(const std::string& fingerprint, int64_t lease, const AttemptReport& attempt,
                              int64_t now_micros);

  // Disables / enables a key by hand. kNotFound for an unknown fingerprint.
  Status SetDisabled(const std::string& fingerprint, bool disabled, const std::string& reason, int64_t now_micros);

  // Adds to the client's shared counters ("retries", "http_429", "waits", ...).
  Status AddCounters(const std::vector<std::pair<const char*, int64_t>>& deltas);
  Result<std::map<std::string, int64_t>> Counters();

  // Every recorded key (fingerprint order), with counters and latency percentiles.
  Result<std::vector<KeyHealth>> List(int64_t now_micros);

 private:
  Status Run(const char* what, const std::function<void(Connection&)>& op);

  std::shared_ptr<ConnectionPool> pool_;
  KeyRules rules_;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_STORE_H_
