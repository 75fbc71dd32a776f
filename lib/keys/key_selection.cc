#include "keys/key_selection.h"

#include <algorithm>

namespace llmgate::internal {

KeyRanking RankKeys(const std::vector<KeyCandidate>& keys, KeyPolicy policy, size_t cursor, int max_in_flight,
                    int64_t now) {
  KeyRanking r;
  const size_t n = keys.size();
  for (size_t step = 0; step < n; ++step) {
    const size_t i = policy == KeyPolicy::kRoundRobin ? (cursor + step) % n : step;
    const KeyCandidate& k = keys[i];
    if (k.disabled || k.excluded) continue;
    r.any_usable = true;
    if (k.cooldown_until > now) {
      if (r.earliest_return == 0 || k.cooldown_until < r.earliest_return) r.earliest_return = k.cooldown_until;
      continue;
    }
    if (max_in_flight > 0 && k.in_flight >= max_in_flight) continue;
    r.ready.push_back(i);
  }
  // A key waiting only for a lease comes back sooner than any cool-down ends.
  if (r.ready.empty() && r.any_usable) {
    for (const KeyCandidate& k : keys) {
      if (!k.disabled && !k.excluded && k.cooldown_until <= now) r.earliest_return = 0;
    }
  }
  if (policy == KeyPolicy::kMostHeadroom) {
    std::stable_sort(r.ready.begin(), r.ready.end(), [&](size_t a, size_t b) {
      const KeyCandidate& x = keys[a];
      const KeyCandidate& y = keys[b];
      if (x.headroom != y.headroom) return x.headroom > y.headroom;
      if (x.in_flight != y.in_flight) return x.in_flight < y.in_flight;
      return x.requests < y.requests;
    });
  }
  return r;
}

}  // namespace llmgate::internal
