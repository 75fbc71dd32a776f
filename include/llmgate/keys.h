// The API key pool: a gate spreads its calls over several keys and steps around the ones
// that are throttled or broken, the same way in every process of the state directory.
//
// Keys come from $OPENAI_API_KEYS (comma-separated), $OPENAI_API_KEY, a key file
// (Options::keys_file), Options::keys, or KeyPool::Add. A process can only call with the
// keys it was given (the secret never leaves it), but what is known about each key
// (health, usage, cool-downs, disabled state) is kept in quota.db by fingerprint and shared.
#ifndef LLMGATE_KEYS_H_
#define LLMGATE_KEYS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llmgate/export.h"
#include "llmgate/limiter.h"
#include "llmgate/status.h"

namespace llmgate {

// One key and what goes with it.
struct ApiKeySpec {
  std::string key;           // the secret; never stored, logged or shown
  std::string label;         // default: "sk-…abcd" (KeyHealth::label)
  std::string base_url;      // default "": the gate's base URL
  std::string organization;  // default "": the gate's (its group; sent as OpenAI-Organization)
  std::string project;       // default "": the gate's (sent as OpenAI-Project)
  // Limits of this key alone; their scope is set to the key's ("key:<fingerprint>").
  std::vector<Limit> limits;
};

enum class KeyPolicy {
  kMostHeadroom,  // default: the key with the most quota left in its scopes, then the fewest in flight
  kRoundRobin,    // each key in turn (per process), skipping unavailable ones
};

enum class KeyState {
  kActive,       // usable
  kCoolingDown,  // throttled or failing: unused until cooldown_until (for every process)
  kDisabled,     // revoked (401/403) or out of billing quota, or disabled by hand: until enabled
};

LLMGATE_EXPORT std::string_view KeyStateName(KeyState state);  // "active", "cooling_down", "disabled"

// What every process knows about one key, read from quota.db.
struct KeyHealth {
  std::string fingerprint;  // "key:" + 16 hex digits: the key's name in scopes and commands
  std::string label;        // "sk-…abcd"
  std::string group;        // the key's group scope ("org:…", "project:…"), "" when unknown
  KeyState state = KeyState::kActive;
  std::string disabled_reason;      // kDisabled: "invalid_api_key", "insufficient_quota", ...
  int64_t cooldown_until_micros = 0;  // kCoolingDown: wall clock, µs since the epoch
  int64_t in_flight = 0;              // requests holding a lease now (dead processes' excluded)

  int64_t requests = 0;     // attempts sent with the key
  int64_t successes = 0;
  int64_t http_429 = 0;     // rate limited (insufficient_quota not included)
  int64_t auth_errors = 0;  // 401 / 403
  int64_t quota_errors = 0; // insufficient_quota
  int64_t server_errors = 0;   // 5xx, 408, 409
  int64_t network_errors = 0;  // connect, dropped, timeout, TLS
  int64_t other_errors = 0;    // other 4xx
  int64_t tokens_in = 0;    // prompt tokens of successful answers
  int64_t tokens_out = 0;   // completion tokens
  double success_rate = 0;  // successes / requests (0 without requests)
  // Latency of answered attempts, from shared histogram buckets (upper bounds of buckets).
  std::chrono::milliseconds latency_p50{0}, latency_p90{0}, latency_p99{0};

  std::string last_error;             // message of the last failure ("" if none)
  int64_t last_error_micros = 0;      // when
  std::string last_error_request_id;  // the server's x-request-id, for support
};

class LLMGATE_EXPORT KeyPool {
 public:
  virtual ~KeyPool() = default;

  // Adds a key for this process's calls (and records it for every process).
  // kInvalidArgument for an empty key or bad limits; adding a key twice is a no-op.
  virtual Status Add(const ApiKeySpec& spec) = 0;

  // Every key recorded in the state directory, by label.
  virtual Result<std::vector<KeyHealth>> List() = 0;

  // One key by fingerprint ("key:…") or label. kNotFound when unknown.
  virtual Result<KeyHealth> Health(std::string_view key) = 0;

  // Disables a key for every process until Enable (persisted), or enables it again
  // (clearing any cool-down and the consecutive-failure count).
  virtual Status Disable(std::string_view key, std::string_view reason) = 0;
  virtual Status Enable(std::string_view key) = 0;
};

}  // namespace llmgate

#endif  // LLMGATE_KEYS_H_
