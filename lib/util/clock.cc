#include "llmgate/clock.h"

#include <time.h>

namespace llmgate {
namespace {

class RealClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
  }
  void SleepForMicros(int64_t micros) const override {
    if (micros <= 0) return;
    timespec ts{static_cast<time_t>(micros / 1'000'000), static_cast<long>((micros % 1'000'000) * 1000)};
    while (nanosleep(&ts, &ts) != 0) {
    }
  }
};

}  // namespace

std::shared_ptr<Clock> SystemClock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<RealClock>();
  return clock;
}

}  // namespace llmgate
