#include "cache/single_flight.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "store/state_dir.h"
#include "util/interruptible_sleep.h"

namespace llmgate::internal {
namespace {

// A follower first looks again after this long, then each time half as long again, up to
// kLastPollMicros: it learns that the flight ended at most that late (a look is one flock()
// call, so looking often costs nothing that matters next to an API call).
constexpr int64_t kFirstPollMicros = 2'000;
constexpr int64_t kLastPollMicros = 20'000;

// Joining retries when the file it locked was ended (removed) in between, at most this often.
constexpr int kJoinAttempts = 8;

// True if `fd` is still the file at `path`: a leader that ended removed the file it held,
// and a lock on that removed file leads nothing.
bool StillAtPath(int fd, const std::string& path) {
  struct stat held {}, named {};
  if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &named) != 0) return false;
  return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

Status FlightError(const std::string& what, const std::string& path, int err) {
  return UnavailableError("single-flight: cannot " + what + " " + path + ": " + std::strerror(err));
}

}  // namespace

Flight::Flight(Flight&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), leading_(other.leading_), path_(std::move(other.path_)) {}

Flight& Flight::operator=(Flight&& other) noexcept {
  if (this != &other) {
    End();
    fd_ = std::exchange(other.fd_, -1);
    leading_ = other.leading_;
    path_ = std::move(other.path_);
  }
  return *this;
}

bool Flight::Ended() {
  if (!following()) return true;
  // The leader holds the lock until it ends; getting it means there is no leader any more.
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) return false;
  End();
  return true;
}

void Flight::End() {
  if (fd_ < 0) return;
  // Removed before it is released, so that whoever locks it next sees it was ended.
  if (leading_) ::unlink(path_.c_str());
  // Released explicitly: closing would leave it held while a child forked meanwhile keeps
  // its copy of the descriptor open.
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

SingleFlight::SingleFlight(std::string dir, mode_t dir_mode, mode_t file_mode)
    : dir_(std::move(dir)), dir_mode_(dir_mode), file_mode_(file_mode) {}

std::string SingleFlight::PathOf(const Hash128& key) const {
  char name[48];
  std::snprintf(name, sizeof(name), "/%016llx%016llx.flight", static_cast<unsigned long long>(key.high),
                static_cast<unsigned long long>(key.low));
  return dir_ + name;
}

Result<Flight> SingleFlight::Join(const Hash128& key) {
  const std::string path = PathOf(key);
  for (int attempt = 0; attempt < kJoinAttempts; ++attempt) {
    int fd = OpenCreatingWithMode(path, file_mode_);
    if (fd < 0 && errno == ENOENT) {
      if (Status s = EnsureDirectory(dir_, dir_mode_); !s.ok()) return UnavailableError("single-flight: " + s.message());
      fd = OpenCreatingWithMode(path, file_mode_);
    }
    if (fd < 0) return FlightError("open", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) return Flight(fd, /*leading=*/false, path);
      ::close(fd);
      return FlightError("lock", path, err);
    }
    if (StillAtPath(fd, path)) return Flight(fd, /*leading=*/true, path);
    ::close(fd);  // the flight this file held ended while it was being opened: join anew
  }
  return UnavailableError("single-flight: " + path + " kept being replaced");
}

Result<int64_t> SingleFlight::RemoveAbandoned() {
  DIR* dir = ::opendir(dir_.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return int64_t{0};
    return FlightError("read", dir_, errno);
  }
  int64_t removed = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    const std::string suffix = ".flight";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string path = dir_ + "/" + name;
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    // Locked: a flight is under way. Otherwise abandoned, and removed as a leader would: a
    // call that opened it meanwhile sees it ended.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && StillAtPath(fd, path) && ::unlink(path.c_str()) == 0) ++removed;
    ::close(fd);
  }
  ::closedir(dir);
  return removed;
}

FlightWait WaitForFlight(Flight* flight, const Clock& clock, int64_t deadline_micros,
                         const std::atomic<bool>* cancelled) {
  int64_t interval = kFirstPollMicros;
  for (;;) {
    if (flight->Ended()) return FlightWait::kEnded;
    const int64_t now = clock.NowMicros();
    if (now >= deadline_micros) return FlightWait::kDeadline;
    const SleepOutcome slept = InterruptibleSleepUntil(clock, std::min(now + interval, deadline_micros), cancelled);
    if (slept.cancelled) return FlightWait::kCancelled;
    interval = std::min(interval + interval / 2, kLastPollMicros);
  }
}

}  // namespace llmgate::internal
