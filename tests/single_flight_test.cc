// Flights of identical calls (lib/cache/single_flight.h): who leads, who follows, when a
// flight ends (its leader ends it, or the leader's process dies), and what is left on disk.
#include "cache/single_flight.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <vector>

#include "testing/fake_clock.h"
#include "testing/fork.h"
#include "testing/temp_dir.h"

namespace llmgate::internal {
namespace {

const Hash128 kKey{0x0123456789abcdefull, 0xfedcba9876543210ull};
const Hash128 kOtherKey{1, 2};

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
  }
  return names;
}

class SingleFlightTest : public ::testing::Test {
 protected:
  std::string FlightsDir() const { return dir_.path() + "/flights"; }
  testing::TempDir dir_;
  SingleFlight flights_{dir_.path() + "/flights", 0700, 0600};
};

TEST_F(SingleFlightTest, TheFirstToJoinLeadsAndTheNextFollow) {
  Result<Flight> first = flights_.Join(kKey);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->leading());
  Result<Flight> second = flights_.Join(kKey);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->following());
  Result<Flight> third = flights_.Join(kKey);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->following());
  // Another key is another flight.
  Result<Flight> other = flights_.Join(kOtherKey);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->leading());
}

TEST_F(SingleFlightTest, FollowersSeeTheEndOnlyWhenTheLeaderEnds) {
  Result<Flight> leader = flights_.Join(kKey);
  Result<Flight> follower = flights_.Join(kKey);
  ASSERT_TRUE(leader.ok() && follower.ok());
  ASSERT_TRUE(follower->following());
  EXPECT_FALSE(follower->Ended());
  EXPECT_FALSE(follower->Ended());  // asking does not end it
  leader->End();
  EXPECT_FALSE(leader->leading());
  EXPECT_TRUE(follower->Ended());
  EXPECT_FALSE(follower->following());
}

TEST_F(SingleFlightTest, AnEndedFlightLeavesNoFileAndTheNextCallLeadsAnew) {
  {
    Result<Flight> leader = flights_.Join(kKey);
    ASSERT_TRUE(leader->leading());
    EXPECT_EQ(FilesIn(FlightsDir()).size(), 1u);
    struct stat st {};
    ASSERT_EQ(stat(flights_.PathOf(kKey).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }  // destroyed: ended
  EXPECT_TRUE(FilesIn(FlightsDir()).empty());
  Result<Flight> again = flights_.Join(kKey);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->leading());
}

TEST_F(SingleFlightTest, AFollowerOfAnEndedFlightDoesNotHoldUpTheNextOne) {
  Result<Flight> leader = flights_.Join(kKey);
  Result<Flight> stale = flights_.Join(kKey);  // follows, and holds the old file open
  ASSERT_TRUE(stale->following());
  leader->End();
  // The old file is gone; a new call makes a new one and leads, whatever the stale
  // follower holds.
  Result<Flight> next = flights_.Join(kKey);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->leading());
  EXPECT_TRUE(stale->Ended());
  Result<Flight> after = flights_.Join(kKey);
  EXPECT_TRUE(after->following());  // of `next`, not of the stale file
}

TEST_F(SingleFlightTest, AChildForkedDuringTheFlightDoesNotKeepItAfterTheLeaderEnds) {
  Result<Flight> leader = flights_.Join(kKey);
  Result<Flight> follower = flights_.Join(kKey);
  ASSERT_TRUE(leader->leading() && follower->following());
  int finish[2];
  ASSERT_EQ(pipe(finish), 0);
  // The child inherits the leader's descriptor and keeps it open until told to exit.
  pid_t child = testing::ForkChild([&]() -> int {
    char byte;
    (void)!read(finish[0], &byte, 1);
    return 0;
  });
  leader->End();
  EXPECT_TRUE(follower->Ended());
  ASSERT_EQ(write(finish[1], "x", 1), 1);
  EXPECT_EQ(testing::WaitChild(child), 0);
  close(finish[0]);
  close(finish[1]);
}

TEST_F(SingleFlightTest, TheDeathOfTheLeadersProcessEndsTheFlight) {
  int ready[2], finish[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(finish), 0);
  pid_t child = testing::ForkChild([&]() -> int {
    Result<Flight> leader = flights_.Join(kKey);
    if (!leader.ok() || !leader->leading()) return 1;
    (void)!write(ready[1], "x", 1);
    char byte;
    (void)!read(finish[0], &byte, 1);
    _exit(0);  // dies leading: nothing ends the flight but the kernel
  });
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  Result<Flight> follower = flights_.Join(kKey);
  ASSERT_TRUE(follower.ok());
  ASSERT_TRUE(follower->following());
  EXPECT_FALSE(follower->Ended());
  ASSERT_EQ(write(finish[1], "x", 1), 1);
  EXPECT_EQ(testing::WaitChild(child), 0);
  EXPECT_TRUE(follower->Ended());
  // The dead leader's file is left; the next flight of the key takes it over and removes it.
  EXPECT_EQ(FilesIn(FlightsDir()).size(), 1u);
  {
    Result<Flight> next = flights_.Join(kKey);
    EXPECT_TRUE(next->leading());
  }
  EXPECT_TRUE(FilesIn(FlightsDir()).empty());
  for (int fd : {ready[0], ready[1], finish[0], finish[1]}) close(fd);
}

TEST_F(SingleFlightTest, AbandonedFilesAreRemovedAndFlightsUnderWayKept) {
  EXPECT_EQ(flights_.RemoveAbandoned().value(), 0);  // no directory yet
  pid_t child = testing::ForkChild([&]() -> int {
    Result<Flight> leader = flights_.Join(kKey);
    _exit(leader.ok() && leader->leading() ? 0 : 1);  // dies leading
  });
  ASSERT_EQ(testing::WaitChild(child), 0);
  Result<Flight> under_way = flights_.Join(kOtherKey);
  ASSERT_TRUE(under_way->leading());
  ASSERT_EQ(FilesIn(FlightsDir()).size(), 2u);
  Result<int64_t> removed = flights_.RemoveAbandoned();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1);
  const std::vector<std::string> left = FilesIn(FlightsDir());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(FlightsDir() + "/" + left[0], flights_.PathOf(kOtherKey));
  Result<Flight> follower = flights_.Join(kOtherKey);
  EXPECT_TRUE(follower->following());  // still under way
}

TEST_F(SingleFlightTest, AnUnusableDirectoryIsATypedError) {
  const std::string file = dir_.path() + "/not-a-directory";
  std::ofstream(file) << "x";
  SingleFlight broken(file + "/flights", 0700, 0600);
  Result<Flight> flight = broken.Join(kKey);
  ASSERT_FALSE(flight.ok());
  EXPECT_EQ(flight.status().code(), StatusCode::kUnavailable);
}

// A fake clock that keeps the length of every sleep.
class SleepRecordingClock : public testing::FakeClock {
 public:
  void SleepForMicros(int64_t micros) const override {
    FakeClock::SleepForMicros(micros);
    sleeps.push_back(micros);
  }
  mutable std::vector<int64_t> sleeps;
};

TEST_F(SingleFlightTest, AWaiterLooksAfter2MsThenAtLeastEvery20Ms) {
  SleepRecordingClock clock;
  Result<Flight> leader = flights_.Join(kKey);
  Result<Flight> follower = flights_.Join(kKey);
  EXPECT_EQ(WaitForFlight(&*follower, clock, clock.NowMicros() + 1'000'000, nullptr), FlightWait::kDeadline);
  ASSERT_GT(clock.sleeps.size(), 10u);
  EXPECT_EQ(clock.sleeps.front(), 2'000);
  EXPECT_EQ(clock.sleeps[1], 3'000);
  EXPECT_EQ(*std::max_element(clock.sleeps.begin(), clock.sleeps.end()), 20'000);
}

TEST_F(SingleFlightTest, WaitingEndsWithTheFlightTheDeadlineOrACancellation) {
  testing::FakeClock clock;
  Result<Flight> leader = flights_.Join(kKey);
  Result<Flight> follower = flights_.Join(kKey);
  const int64_t start = clock.NowMicros();
  EXPECT_EQ(WaitForFlight(&*follower, clock, start + 3'000'000, nullptr), FlightWait::kDeadline);
  EXPECT_EQ(clock.NowMicros(), start + 3'000'000);
  std::atomic<bool> cancelled{true};
  EXPECT_EQ(WaitForFlight(&*follower, clock, start + 9'000'000, &cancelled), FlightWait::kCancelled);
  EXPECT_TRUE(follower->following());
  leader->End();
  const int64_t before = clock.NowMicros();
  EXPECT_EQ(WaitForFlight(&*follower, clock, before + 3'000'000, nullptr), FlightWait::kEnded);
  EXPECT_EQ(clock.NowMicros(), before);  // ended already: no wait
}

}  // namespace
}  // namespace llmgate::internal
