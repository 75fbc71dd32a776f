// The background thread that runs a task when it comes due (lib/util/deadline_thread.h).
// Real time, bounded: each wait gives up after 10 s, and only what must happen is asserted.
#include "util/deadline_thread.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "testing/fork.h"

namespace llmgate::internal {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until runs reaches at least n; false after 10 s.
bool WaitForRuns(const std::atomic<int>& runs, int n) {
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(10);
  while (runs.load() < n) {
    if (Clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(DeadlineThreadTest, RunsTheTaskWhenWokenAndAgainWhenItComesDue) {
  std::atomic<int> runs{0};
  DeadlineThread thread("test-deadline", [&](Clock::time_point now) {
    // The first run asks for another 5 ms later; later runs wait to be woken.
    return runs.fetch_add(1) == 0 ? now + std::chrono::milliseconds(5) : Clock::time_point::max();
  });
  EXPECT_EQ(runs.load(), 0);  // nothing runs before the first Wake()
  std::string error;
  ASSERT_TRUE(thread.Wake(&error)) << error;
  EXPECT_TRUE(WaitForRuns(runs, 2));  // woken, then due
  const int before = runs.load();
  ASSERT_TRUE(thread.Wake(&error)) << error;
  EXPECT_TRUE(WaitForRuns(runs, before + 1));  // asleep without a deadline, woken again
}

TEST(DeadlineThreadTest, TheThreadBearsItsName) {
  std::atomic<int> runs{0};
  std::string seen;  // written by the task before runs is raised, read after
  DeadlineThread thread("llmgate-test-long-name", [&](Clock::time_point) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    seen = name;
    runs.fetch_add(1);
    return Clock::time_point::max();
  });
  std::string error;
  ASSERT_TRUE(thread.Wake(&error)) << error;
  ASSERT_TRUE(WaitForRuns(runs, 1));
  EXPECT_EQ(seen, "llmgate-test-lo");  // cut to Linux's 15 bytes
}

TEST(DeadlineThreadTest, AForkedChildRunsTheTaskOnAThreadOfItsOwn) {
  std::atomic<int> runs{0};
  auto thread = std::make_unique<DeadlineThread>("test-deadline", [&](Clock::time_point) {
    runs.fetch_add(1);
    return Clock::time_point::max();
  });
  std::string error;
  ASSERT_TRUE(thread->Wake(&error)) << error;
  ASSERT_TRUE(WaitForRuns(runs, 1));
  pid_t child = testing::ForkChild([&] {
    const int inherited = runs.load();
    std::string child_error;
    if (!thread->Wake(&child_error)) return 2;
    if (!WaitForRuns(runs, inherited + 1)) return 3;  // the parent's thread is not here
    thread.reset();  // stops the child's own thread
    return 0;
  });
  EXPECT_EQ(testing::WaitChild(child), 0);
  const int before = runs.load();
  ASSERT_TRUE(thread->Wake(&error)) << error;
  EXPECT_TRUE(WaitForRuns(runs, before + 1));  // the parent's thread still serves the parent
}

}  // namespace
}  // namespace llmgate::internal
