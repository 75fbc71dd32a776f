// One call at a time per cache key, across the threads and processes of a state directory.
//
// A call that misses the cache joins the flight of its key. The first to join leads: it
// calls the API, stores the answer and ends the flight. The others follow: they wait for the
// flight to end and look in the cache again, so N identical prompts sent at once cost one
// API call instead of N.
//
// A flight is an exclusive flock() on a file named by the key in the flights directory.
// The kernel releases it when the leader's process dies, so a crash never leaves followers
// waiting; it only leaves an empty file, which the next flight of that key removes.
#ifndef LLMGATE_LIB_CACHE_SINGLE_FLIGHT_H_
#define LLMGATE_LIB_CACHE_SINGLE_FLIGHT_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "cache/canonical.h"
#include "llmgate/clock.h"
#include "llmgate/status.h"

namespace llmgate::internal {

// A place in one key's flight: leading it, following it, or neither (no flight).
class Flight {
 public:
  Flight() = default;
  Flight(Flight&& other) noexcept;
  Flight& operator=(Flight&& other) noexcept;
  Flight(const Flight&) = delete;
  Flight& operator=(const Flight&) = delete;
  ~Flight() { End(); }

  bool leading() const { return fd_ >= 0 && leading_; }
  bool following() const { return fd_ >= 0 && !leading_; }

  // Following: true once the flight has ended (its leader finished, or its process died).
  // The follower then stops following. Leading or no flight: true.
  bool Ended();

  // Leading: ends the flight (removes its file, then releases it). Following: stops
  // following. Either way this Flight is then none.
  void End();

 private:
  friend class SingleFlight;
  Flight(int fd, bool leading, std::string path) : fd_(fd), leading_(leading), path_(std::move(path)) {}

  int fd_ = -1;
  bool leading_ = false;
  std::string path_;
};

// How a follower's wait ended.
enum class FlightWait { kEnded, kDeadline, kCancelled };

class SingleFlight {
 public:
  // `dir` is created on first use with `dir_mode`; flight files get `file_mode`.
  SingleFlight(std::string dir, mode_t dir_mode, mode_t file_mode);

  // Leads the flight of `key` if none is under way, else follows it. kUnavailable when the
  // flight file cannot be created or locked; the caller then goes on without a flight.
  Result<Flight> Join(const Hash128& key);

  // The file a key's flight holds (for tests and diagnostics).
  std::string PathOf(const Hash128& key) const;

  // Removes the files left by leaders whose process died (no flight holds them); returns how
  // many. Flights under way are left alone. A missing directory removes nothing.
  Result<int64_t> RemoveAbandoned();

 private:
  std::string dir_;
  mode_t dir_mode_;
  mode_t file_mode_;
};

// Waits on `clock` until `flight` (following) has ended, polling it at growing intervals
// (2 ms at first, growing to every 20 ms), until `deadline_micros`, or until *cancelled is
// set (it may be null).
FlightWait WaitForFlight(Flight* flight, const Clock& clock, int64_t deadline_micros,
                         const std::atomic<bool>* cancelled);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_SINGLE_FLIGHT_H_
