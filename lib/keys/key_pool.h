// The key pool of a gate: the keys this process may call with, and the choice of one for
// each attempt. The choice is made before the limiter is asked, and the acquire draws from
// that key's scopes; when the chosen key would wait and another would not, the other is
// taken. What is known about each key is shared through the KeyStore.
#ifndef LLMGATE_LIB_KEYS_KEY_POOL_H_
#define LLMGATE_LIB_KEYS_KEY_POOL_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "keys/key_groups.h"
#include "keys/key_rules.h"
#include "keys/key_scopes.h"
#include "keys/key_selection.h"
#include "keys/key_store.h"
#include "limit/gate_limiter.h"
#include "llmgate/keys.h"
#include "llmgate/options.h"
#include "util/logger.h"

namespace llmgate::internal {

struct KeyPoolConfig {
  KeyPolicy policy = KeyPolicy::kMostHeadroom;
  int max_in_flight = 0;
  std::string default_scope = "global";
  // The gate's organization and project: the default of keys that name none.
  std::string organization;
  std::string project;
  WaitCallback on_wait;
  std::shared_ptr<Clock> clock;
  const Logger* logger = nullptr;
};

// A key chosen for one attempt, with its lease and its granted reservation.
struct KeyChoice {
  std::shared_ptr<const ApiKey> key;
  std::string group;         // the key's group scope when chosen
  int64_t lease = 0;         // KeyStore lease (0 = none)
  llmgate::Reservation reservation;
};

class GateKeyPool final : public KeyPool {
 public:
  GateKeyPool(KeyPoolConfig config, KeyStore* store, KeyGroups* groups, GateLimiter* limiter);

  // Adds the gate's configured keys (CollectKeys); without any, one empty key stands for
  // servers that need none.
  Status Init(const std::vector<ApiKeySpec>& specs);

  // KeyPool
  Status Add(const ApiKeySpec& spec) override;
  Result<std::vector<KeyHealth>> List() override;
  Result<KeyHealth> Health(std::string_view key) override;
  Status Disable(std::string_view key, std::string_view reason) override;
  Status Enable(std::string_view key) override;

  // Chooses a key for an attempt costing `cost` with `model`, skipping `excluded`
  // fingerprints (unless they are all the keys not disabled), and acquires its scopes: waits (within `deadline`, honouring
  // `cancelled`) while every usable key cools down or the limiter makes it wait.
  // kUnauthenticated / kQuotaExhausted / kPermissionDenied when every key is disabled
  // (the reason of the first); kDeadlineExceeded, kCancelled; the limiter's errors.
  Result<KeyChoice> Choose(const std::vector<llmgate::Cost>& cost, const std::string& model,
                           const std::set<std::string>& excluded, const std::atomic<bool>* cancelled,
                           int64_t deadline);

  // Ends an attempt made with `choice`: releases its lease, records its outcome for every
  // process and logs a key being disabled or cooled down.
  void Finish(const KeyChoice& choice, const AttemptReport& report);

  // Whether some key other than those in `excluded` is not disabled.
  bool HasAlternative(const std::set<std::string>& excluded);

  // The scopes an attempt with `key` draws from.
  std::vector<std::string> ScopesOf(const ApiKey& key, const std::string& group, const std::string& model) const;

 private:
  std::vector<std::shared_ptr<const ApiKey>> Keys();
  Result<std::string> Resolve(std::string_view key);  // fingerprint or label -> fingerprint
  // Sets the headroom of the candidates that may be used now from one read of every
  // scope they draw from.
  void FillHeadroom(const std::vector<std::shared_ptr<const ApiKey>>& keys, const std::string& model, int64_t now,
                    std::vector<KeyCandidate>* candidates);
  Result<KeyChoice> AcquireWith(std::shared_ptr<const ApiKey> key, const std::vector<llmgate::Cost>& cost,
                                const std::string& model, const std::atomic<bool>* cancelled, int64_t deadline,
                                bool blocking, std::optional<Denial>* denial);

  KeyPoolConfig config_;
  KeyStore* store_;
  KeyGroups* groups_;
  GateLimiter* limiter_;
  std::mutex mu_;
  std::vector<std::shared_ptr<const ApiKey>> keys_;
  std::atomic<size_t> cursor_{0};
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_POOL_H_
