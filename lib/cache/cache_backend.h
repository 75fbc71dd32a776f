// Storage under the response cache. The SQLite file in the state directory is the
// default; a Redis backend implements the same interface for several hosts. Entries are
// addressed by the 128-bit hash of the canonical request and verified against the
// canonical request itself, so a hash collision can never serve a wrong answer.
#ifndef LLMGATE_LIB_CACHE_CACHE_BACKEND_H_
#define LLMGATE_LIB_CACHE_CACHE_BACKEND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/canonical.h"
#include "llmgate/cache.h"
#include "llmgate/status.h"

namespace llmgate::internal {

struct StoredResponse {
  std::string response;
  int64_t total_tokens = 0;  // usage.total_tokens of the stored response (0 if none)
};

struct NewEntry {
  Hash128 key;
  std::string_view cache_namespace;
  std::string_view canonical_request;
  std::string_view response;
  int64_t total_tokens = 0;
  int64_t expires_at_us = 0;  // 0 = never
};

// Counters that processes add to the shared totals in batches.
struct CounterDeltas {
  int64_t hits = 0, misses = 0, tokens_saved = 0, errors = 0;
  bool empty() const { return hits == 0 && misses == 0 && tokens_saved == 0 && errors == 0; }
  void Add(const CounterDeltas& o) {
    hits += o.hits, misses += o.misses, tokens_saved += o.tokens_saved, errors += o.errors;
  }
};

struct AccessRecord {
  Hash128 key;
  int64_t last_access_us = 0;
};

// Failures come back as Status values; kDataLoss means the storage was found corrupt and
// has been quarantined and rebuilt empty (the backend counts the rebuild itself).
class CacheBackend {
 public:
  virtual ~CacheBackend() = default;

  // The entry whose canonical request equals `canonical_request` byte for byte and that
  // has not expired at `now_us`; nullopt otherwise. Never writes.
  virtual Result<std::optional<StoredResponse>> Lookup(const Hash128& key, std::string_view canonical_request,
                                                       int64_t now_us) = 0;

  // Inserts or replaces, then evicts (expired first, then least recently accessed) until
  // the stored bytes fit under max_bytes (0 = no cap).
  virtual Status Store(const NewEntry& entry, int64_t now_us, int64_t max_bytes) = 0;

  virtual Status Remove(const Hash128& key, std::string_view canonical_request) = 0;
  virtual Result<int64_t> Purge(std::optional<std::string_view> cache_namespace) = 0;
  virtual Result<int64_t> RemoveExpired(int64_t now_us) = 0;

  // Records a batch of accesses and counter deltas in one write.
  virtual Status RecordBatch(const std::vector<AccessRecord>& accesses, const CounterDeltas& deltas) = 0;

  // Shared totals (entries, bytes and every counter).
  virtual Result<CacheStats> ReadStats() = 0;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CACHE_BACKEND_H_
