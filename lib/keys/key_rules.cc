#include "keys/key_rules.h"

#include <algorithm>

namespace llmgate::internal {

AttemptClass ClassOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess: return AttemptClass::kSuccess;
    case Outcome::kRateLimited: return AttemptClass::kRateLimited;
    case Outcome::kAuthentication:
    case Outcome::kPermissionDenied:
      return AttemptClass::kAuth;
    case Outcome::kQuotaExhausted: return AttemptClass::kQuota;
    case Outcome::kServerError:
    case Outcome::kTimeout:
    case Outcome::kConflict:
      return AttemptClass::kServer;
    case Outcome::kNetwork:
    case Outcome::kUnexpected:
      return AttemptClass::kNetwork;
    default:
      return AttemptClass::kOther;
  }
}

KeyCondition ApplyAttempt(KeyCondition c, const AttemptReport& a, const KeyRules& rules, int64_t now) {
  switch (a.kind) {
    case AttemptClass::kSuccess:
      c.failures_in_row = 0;
      break;
    case AttemptClass::kRateLimited:
      c.cooldown_until = std::max(c.cooldown_until, a.cooldown_until);
      break;
    case AttemptClass::kAuth:
      c.disabled = true;
      c.disabled_reason = !a.error_code.empty() ? a.error_code : "http_" + std::to_string(a.http_status);
      break;
    case AttemptClass::kQuota:
      c.disabled = true;
      c.disabled_reason = "insufficient_quota";
      break;
    case AttemptClass::kServer:
    case AttemptClass::kNetwork:
      if (++c.failures_in_row >= std::max(1, rules.failure_threshold)) {
        c.cooldown_until = std::max(c.cooldown_until, now + rules.failure_cooldown_micros);
        c.failures_in_row = 0;
      }
      break;
    case AttemptClass::kOther:
      break;
  }
  return c;
}

}  // namespace llmgate::internal
