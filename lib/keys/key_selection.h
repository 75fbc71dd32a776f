// Which keys a call may use now, best first (pure). The pool asks the limiter about them
// in this order and takes the first that can start now, or else the one that can start
// soonest.
#ifndef LLMGATE_LIB_KEYS_KEY_SELECTION_H_
#define LLMGATE_LIB_KEYS_KEY_SELECTION_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "llmgate/keys.h"

namespace llmgate::internal {

struct KeyCandidate {
  bool disabled = false;
  bool excluded = false;       // already failed this call in a way another key may not
  int64_t cooldown_until = 0;  // µs since the epoch
  int64_t in_flight = 0;       // live leases, all processes
  int64_t requests = 0;        // attempts so far, all processes (spreads equal keys evenly)
  double headroom = 1.0;       // the smallest remaining/limit of the key's limits; 1 without limits
};

struct KeyRanking {
  std::vector<size_t> ready;    // usable now, best first
  bool any_usable = false;      // some key is neither disabled nor excluded
  // When none is ready: the earliest end of a cool-down among usable keys (0 if they all
  // wait for a lease instead).
  int64_t earliest_return = 0;
};

// kMostHeadroom: most headroom, then fewest in flight, then fewest requests, then order.
// kRoundRobin: in order starting at `cursor` (mod size).
KeyRanking RankKeys(const std::vector<KeyCandidate>& keys, KeyPolicy policy, size_t cursor, int max_in_flight,
                    int64_t now_micros);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_SELECTION_H_
