// The persistent response cache shared by every process using one state directory.
#ifndef LLMGATE_CACHE_H_
#define LLMGATE_CACHE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "llmgate/export.h"
#include "llmgate/status.h"

namespace llmgate {

// Per-request cache controls.
struct CacheControl {
  bool skip_read = false;   // do not look up (always a miss), but still store the answer
  bool skip_write = false;  // look up, but do not store
  // Time to live of what is stored; default: Options::cache_default_ttl. 0 = never expires.
  std::optional<std::chrono::seconds> ttl;
  // Namespace of the key; default "": the gate's (Options::cache_namespace or base_url).
  std::string cache_namespace;
};

// Counters shared by every process (read from cache.db, plus this process's counts not
// yet flushed). They start again from zero when a corrupt cache.db is rebuilt.
struct CacheStats {
  int64_t entries = 0;       // entries stored
  int64_t bytes = 0;         // request + response bytes stored
  int64_t hits = 0;          // lookups answered from the cache
  int64_t misses = 0;        // lookups that found nothing usable
  int64_t tokens_saved = 0;  // sum of usage.total_tokens of the responses served by hits
  int64_t evictions = 0;     // entries removed by the size cap
  int64_t expirations = 0;   // entries removed because their TTL passed
  int64_t errors = 0;        // cache operations that failed and were bypassed
  int64_t rebuilds = 0;      // times cache.db was found corrupt, moved aside and rebuilt
};

// A request is named by its endpoint path ("/chat/completions") and JSON body. Both are
// canonicalized (README: "Cache keys") so that requests that must get the same answer
// share one entry. A cache failure (full disk, corrupt file) never fails the caller: the
// lookup misses, the store is skipped, and the failure is logged and counted.
class LLMGATE_EXPORT Cache {
 public:
  virtual ~Cache() = default;

  // The stored response, or nullopt on a miss. kInvalidArgument for a body that is not a
  // JSON object.
  virtual Result<std::optional<std::string>> Get(std::string_view path, std::string_view request_json,
                                                 const CacheControl& control = {}) = 0;

  // Stores a complete, successful response. kInvalidArgument for a request that is not a
  // JSON object or a response that is not JSON; kUnavailable/kDataLoss when the cache is
  // failing (already logged and counted; the caller may ignore it).
  virtual Status Put(std::string_view path, std::string_view request_json, std::string_view response_json,
                     const CacheControl& control = {}) = 0;

  // Removes the entry of one request, if any.
  virtual Status Invalidate(std::string_view path, std::string_view request_json,
                            const CacheControl& control = {}) = 0;

  // Removes every entry (nullopt) or those of one namespace; returns how many went.
  virtual Result<int64_t> Purge(std::optional<std::string_view> cache_namespace = std::nullopt) = 0;

  // Removes expired entries now (they are otherwise removed as inserts need room).
  virtual Result<int64_t> RemoveExpired() = 0;

  virtual Result<CacheStats> Stats() = 0;

  // Writes pending access times and counters now.
  virtual Status Flush() = 0;
};

}  // namespace llmgate

#endif  // LLMGATE_CACHE_H_
