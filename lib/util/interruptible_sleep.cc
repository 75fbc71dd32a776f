#include "util/interruptible_sleep.h"

#include <algorithm>

namespace llmgate::internal {

SleepOutcome InterruptibleSleepUntil(const Clock& clock, int64_t until_micros, const std::atomic<bool>* cancelled) {
  for (;;) {
    SleepOutcome outcome;
    outcome.now_micros = clock.NowMicros();
    outcome.cancelled = cancelled != nullptr && cancelled->load(std::memory_order_acquire);
    if (outcome.cancelled || outcome.now_micros >= until_micros) return outcome;
    clock.SleepForMicros(std::min(until_micros - outcome.now_micros, kInterruptibleSleepSliceMicros));
  }
}

}  // namespace llmgate::internal
