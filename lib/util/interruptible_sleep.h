// Sleeping until a point in time while watching a cancellation flag.
#ifndef LLMGATE_LIB_UTIL_INTERRUPTIBLE_SLEEP_H_
#define LLMGATE_LIB_UTIL_INTERRUPTIBLE_SLEEP_H_

#include <atomic>
#include <cstdint>

#include "llmgate/clock.h"

namespace llmgate::internal {

// A cancellation is noticed within this long: no single sleep is longer.
constexpr int64_t kInterruptibleSleepSliceMicros = 50'000;

// How an InterruptibleSleepUntil ended.
struct SleepOutcome {
  bool cancelled = false;  // the flag was seen set; otherwise `until` was reached
  int64_t now_micros = 0;  // the clock reading taken at that last check
};

// Sleeps on `clock` until clock.NowMicros() >= until_micros, in slices of at most
// kInterruptibleSleepSliceMicros, because a sleep cannot be woken: a cancellation is only
// seen between slices. Before every slice (and before the first) it reads the clock, then
// the flag: a set flag wins, even when `until_micros` has also come. `cancelled` may be
// null (never cancelled). A time already past returns at once without sleeping.
SleepOutcome InterruptibleSleepUntil(const Clock& clock, int64_t until_micros, const std::atomic<bool>* cancelled);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_INTERRUPTIBLE_SLEEP_H_
