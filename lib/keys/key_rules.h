// How one attempt changes what every process knows about its key (pure):
//
//   success                    -> the run of failures ends
//   429 rate limited           -> cools down until the server's hinted reset
//   401 / 403                  -> disabled with its reason until enabled again
//   insufficient_quota         -> disabled for billing
//   5xx, 408, 409, network     -> after key_failure_threshold in a row, a short cool-down
#ifndef LLMGATE_LIB_KEYS_KEY_RULES_H_
#define LLMGATE_LIB_KEYS_KEY_RULES_H_

#include <cstdint>
#include <string>

#include "http/retry_policy.h"

namespace llmgate::internal {

enum class AttemptClass { kSuccess, kRateLimited, kAuth, kQuota, kServer, kNetwork, kOther };

AttemptClass ClassOf(Outcome outcome);

// The part of a key's row that attempts change.
struct KeyCondition {
  bool disabled = false;
  std::string disabled_reason;
  int64_t cooldown_until = 0;  // µs since the epoch; 0 = none
  int64_t failures_in_row = 0;
};

struct AttemptReport {
  AttemptClass kind = AttemptClass::kSuccess;
  int64_t latency_micros = -1;  // < 0: no answer arrived
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  std::string error;       // message of a failure, no secrets
  std::string error_code;  // OpenAI's error.code, or "" 
  std::string request_id;
  int64_t http_status = 0;
  int64_t cooldown_until = 0;  // kRateLimited: the end of the server's hint
};

struct KeyRules {
  int failure_threshold = 3;
  int64_t failure_cooldown_micros = 30'000'000;
};

KeyCondition ApplyAttempt(KeyCondition condition, const AttemptReport& attempt, const KeyRules& rules,
                          int64_t now_micros);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_RULES_H_
