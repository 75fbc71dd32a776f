// The public Cache: canonicalizes and hashes requests, asks the backend, batches the
// bookkeeping of hits so that a hit never writes, and keeps cache failures away from
// the caller (a failing cache misses, logs and counts).
#ifndef LLMGATE_LIB_CACHE_RESPONSE_CACHE_H_
#define LLMGATE_LIB_CACHE_RESPONSE_CACHE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "cache/cache_backend.h"
#include "cache/canonical.h"
#include "cache/recorded_accesses.h"
#include "cache/single_flight.h"
#include "llmgate/cache.h"
#include "llmgate/clock.h"
#include "util/logger.h"

namespace llmgate::internal {

struct ResponseCacheConfig {
  bool enabled = true;
  std::string default_namespace;
  int64_t max_bytes = 0;
  int64_t default_ttl_us = 0;
  CanonicalOptions canonical;
  int64_t flush_interval_us = 1'000'000;
  int64_t access_granularity_us = 60'000'000;
  int flush_batch = 256;
  const Logger* logger = nullptr;
  std::shared_ptr<Clock> clock;
  // The key function; tests inject one that collides.
  Hash128 (*hasher)(std::string_view canonical) = &HashCanonical;
  // Where flights of identical calls are held (single_flight.h); "" = calls do not wait
  // for each other.
  std::string flights_dir;
  mode_t flights_dir_mode = 0700;
  mode_t flights_file_mode = 0600;
};

class ResponseCache final : public Cache {
 public:
  ResponseCache(ResponseCacheConfig config, std::unique_ptr<CacheBackend> backend);
  ~ResponseCache() override;  // flushes

  Result<std::optional<std::string>> Get(std::string_view path, std::string_view request_json,
                                         const CacheControl& control) override;
  Status Put(std::string_view path, std::string_view request_json, std::string_view response_json,
             const CacheControl& control) override;
  Status Invalidate(std::string_view path, std::string_view request_json, const CacheControl& control) override;
  Result<int64_t> Purge(std::optional<std::string_view> cache_namespace) override;
  Result<int64_t> RemoveExpired() override;
  Result<CacheStats> Stats() override;
  Status Flush() override;

  // Get, and on a miss, joins the flight of the request's key (single_flight.h) in
  // *flight: this caller leads it (until its answer is stored; an answer an identical call
  // stored between the lookup and the join is returned instead, with the flight ended), or
  // follows an identical call already under way. *flight stays none when flights are off
  // or the flight file cannot be used (logged and counted as a cache error, like any
  // failure the cache bypasses). `flight` null: a plain Get.
  Result<std::optional<std::string>> GetOrJoinFlight(std::string_view path, std::string_view request_json,
                                                     const CacheControl& control, Flight* flight);

  // Get for a request whose miss was already counted (looking again after following a
  // flight): a hit counts, a miss does not.
  Result<std::optional<std::string>> GetAgain(std::string_view path, std::string_view request_json,
                                              const CacheControl& control);

 private:
  // Canonical form of the request in a per-thread buffer (no allocation on the hot path).
  Result<std::string*> CanonicalFor(std::string_view path, std::string_view request_json,
                                    const CacheControl& control);
  std::string_view NamespaceFor(const CacheControl& control) const;
  // Get, GetOrJoinFlight and GetAgain: a miss counts when `count_miss`; `flight` as in
  // GetOrJoinFlight.
  Result<std::optional<std::string>> Lookup(std::string_view path, std::string_view request_json,
                                            const CacheControl& control, bool count_miss, Flight* flight);
  // The lookup of a canonical request; a failing backend misses (logged and counted).
  std::optional<std::string> Find(const Hash128& key, const std::string& request, bool count_miss);
  void NoteHit(const Hash128& key, const StoredResponse& stored, int64_t now_us);
  void NoteMiss(int64_t now_us);
  void NoteFailure(const Status& status, const char* what);
  void RecordAccessLocked(const Hash128& key, int64_t now_us);  // pending_mu_ held
  void NoteRecordedLocked(uint64_t id, int64_t now_us);         // pending_mu_ held

  ResponseCacheConfig config_;
  std::unique_ptr<CacheBackend> backend_;
  std::unique_ptr<SingleFlight> flights_;  // null when flights are off

  std::mutex pending_mu_;  // guards the three fields below
  std::unordered_map<uint64_t, AccessRecord> pending_accesses_;
  // When this process last recorded (or stored) each entry: a hit within the granularity
  // records nothing, and knowing it here spares the lookup a second B-tree seek.
  RecordedAccesses recorded_at_;
  CounterDeltas pending_;
  int64_t last_flush_us_ = 0;

  std::mutex flush_mu_;  // one flush at a time
  std::atomic<int64_t> last_failure_log_us_{0};
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_RESPONSE_CACHE_H_
