// The libcurl state one process keeps between exchanges: pooled handles that hold kept-alive
// connections, and a share of TLS sessions and DNS answers. Only the curl transport uses it.
//
// Why a pool of (multi, easy) pairs rather than one connection cache shared by all threads:
// libcurl documents CURL_LOCK_DATA_CONNECT as unsupported across concurrent threads. A multi
// handle owns the connections its transfers used, so an idle pair carries its kept-alive
// connection to the next exchange, on whatever thread that runs, and is only ever used by
// one thread at a time. TLS sessions and DNS answers are safe to share with locks, so a
// pair that must open a connection still resumes a TLS session another pair negotiated.
#ifndef LLMGATE_LIB_HTTP_CURL_POOL_H_
#define LLMGATE_LIB_HTTP_CURL_POOL_H_

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "llmgate/status.h"

namespace llmgate::internal {

// curl_global_init, once per process; later calls return the first call's outcome.
Status EnsureCurlInitialized();

// An easy handle and the multi handle that drives it (and owns its connections).
struct CurlSlot {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
};

// Reference counted: the transport holds one reference, every exchange another, so an
// exchange may outlive its transport. A pool belongs to the process that created it; in
// any other process (a fork child) it must not be used, and it is leaked rather than
// cleaned up, because cleaning up would close the parent's connections.
class CurlPool {
 public:
  // A new pool with one reference, or null when libcurl is out of memory.
  static CurlPool* Create();

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops a reference; the last one frees the pool, unless this process did not create it.
  void Unref();

  bool OwnedByThisProcess() const;

  // An idle slot (the most recently used, whose connection is the likeliest to be alive)
  // or a new one; null when libcurl is out of memory. The easy handle has default options
  // plus the share.
  CurlSlot* Acquire();
  // Takes back a slot whose easy handle is not in its multi.
  void Release(CurlSlot* slot);

 private:
  explicit CurlPool(uint64_t epoch) : epoch_(epoch) {}
  ~CurlPool();
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void Unlock(CURL*, curl_lock_data data, void* self);

  const uint64_t epoch_;  // ForkEpoch() of the process that made it
  std::atomic<int> refs_{1};
  CURLSH* share_ = nullptr;
  // One lock per kind of shared data, as libcurl asks.
  std::mutex data_locks_[CURL_LOCK_DATA_LAST];

  std::mutex mu_;
  std::vector<CurlSlot*> idle_;  // guarded by mu_; the most recently used last
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_CURL_POOL_H_
