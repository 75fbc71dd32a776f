// Time source. Quota state is kept in wall-clock microseconds since the Unix epoch so
// that it survives restarts and is shared by processes; tests inject a fake clock.
#ifndef LLMGATE_CLOCK_H_
#define LLMGATE_CLOCK_H_

#include <cstdint>
#include <memory>

#include "llmgate/export.h"

namespace llmgate {

class LLMGATE_EXPORT Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, microseconds since the Unix epoch.
  virtual int64_t NowMicros() const = 0;
  // Blocks the calling thread for about `micros` (a fake clock advances instead).
  virtual void SleepForMicros(int64_t micros) const = 0;
};

// The system clock (CLOCK_REALTIME) with real sleeps.
LLMGATE_EXPORT std::shared_ptr<Clock> SystemClock();

}  // namespace llmgate

#endif  // LLMGATE_CLOCK_H_
