// A clock that only moves when a test moves it; sleeping advances it.
#ifndef LLMGATE_TESTING_FAKE_CLOCK_H_
#define LLMGATE_TESTING_FAKE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "llmgate/clock.h"

namespace llmgate::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_micros = 1'700'000'000'000'000) : now_(start_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void SleepForMicros(int64_t micros) const override {
    if (micros > 0) now_.fetch_add(micros);
  }
  void Advance(int64_t micros) { now_.fetch_add(micros); }
  void Set(int64_t micros) { now_.store(micros); }

 private:
  mutable std::atomic<int64_t> now_;
};

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_FAKE_CLOCK_H_
