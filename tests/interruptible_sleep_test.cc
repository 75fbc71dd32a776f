// InterruptibleSleepUntil on a fake clock: no test here sleeps for real.
#include "util/interruptible_sleep.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "testing/fake_clock.h"

namespace llmgate::internal {
namespace {

using testing::FakeClock;

constexpr int64_t kStart = 1'700'000'000'000'000;
constexpr int64_t kSlice = kInterruptibleSleepSliceMicros;

// A fake clock that records every sleep and can set a flag after the n-th one.
class RecordingClock : public FakeClock {
 public:
  explicit RecordingClock(int64_t start) : FakeClock(start) {}
  void SleepForMicros(int64_t micros) const override {
    sleeps.push_back(micros);
    FakeClock::SleepForMicros(micros);
    if (flag != nullptr && static_cast<int>(sleeps.size()) == cancel_after) flag->store(true);
  }
  mutable std::vector<int64_t> sleeps;
  std::atomic<bool>* flag = nullptr;
  int cancel_after = 0;
};

TEST(InterruptibleSleepTest, ReturnsAtTheDeadlineInSlices) {
  RecordingClock clock(kStart);
  std::atomic<bool> cancelled{false};
  const int64_t until = kStart + 2 * kSlice + 10'000;
  SleepOutcome out = InterruptibleSleepUntil(clock, until, &cancelled);
  EXPECT_FALSE(out.cancelled);
  EXPECT_EQ(out.now_micros, until);
  EXPECT_EQ(clock.NowMicros(), until);
  // Full slices, then only what is left.
  EXPECT_EQ(clock.sleeps, (std::vector<int64_t>{kSlice, kSlice, 10'000}));
}

TEST(InterruptibleSleepTest, NullFlagMeansNeverCancelled) {
  RecordingClock clock(kStart);
  SleepOutcome out = InterruptibleSleepUntil(clock, kStart + kSlice / 2, nullptr);
  EXPECT_FALSE(out.cancelled);
  EXPECT_EQ(out.now_micros, kStart + kSlice / 2);
  EXPECT_EQ(clock.sleeps.size(), 1u);
}

TEST(InterruptibleSleepTest, ReturnsEarlyOnCancelWithinOneSlice) {
  RecordingClock clock(kStart);
  std::atomic<bool> cancelled{false};
  clock.flag = &cancelled;
  clock.cancel_after = 3;  // set while the third slice sleeps
  const int64_t until = kStart + 100 * kSlice;
  SleepOutcome out = InterruptibleSleepUntil(clock, until, &cancelled);
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(clock.sleeps.size(), 3u);
  EXPECT_EQ(out.now_micros, kStart + 3 * kSlice);
  EXPECT_EQ(clock.NowMicros(), kStart + 3 * kSlice);
}

TEST(InterruptibleSleepTest, AlreadyCancelledReturnsAtOnce) {
  RecordingClock clock(kStart);
  std::atomic<bool> cancelled{true};
  SleepOutcome out = InterruptibleSleepUntil(clock, kStart + kSlice, &cancelled);
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(out.now_micros, kStart);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(InterruptibleSleepTest, DeadlineInThePastReturnsAtOnce) {
  RecordingClock clock(kStart);
  std::atomic<bool> cancelled{false};
  for (int64_t until : {kStart - 1, kStart - 10 * kSlice, kStart}) {
    SleepOutcome out = InterruptibleSleepUntil(clock, until, &cancelled);
    EXPECT_FALSE(out.cancelled);
    EXPECT_EQ(out.now_micros, kStart);
  }
  EXPECT_TRUE(clock.sleeps.empty());
  EXPECT_EQ(clock.NowMicros(), kStart);
}

TEST(InterruptibleSleepTest, CancelWinsOverAReachedDeadline) {
  RecordingClock clock(kStart);
  std::atomic<bool> cancelled{true};
  SleepOutcome out = InterruptibleSleepUntil(clock, kStart - 1, &cancelled);
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(out.now_micros, kStart);
  EXPECT_TRUE(clock.sleeps.empty());
}

}  // namespace
}  // namespace llmgate::internal
