#include "http/curl_pool.h"

#include <string>

#include "util/fork_epoch.h"

namespace llmgate::internal {
namespace {

// Idle slots kept beyond this are closed: each holds a socket, and a burst of concurrency
// should not pin that many connections for ever.
constexpr size_t kMaxIdleSlots = 64;
// Connections one multi handle keeps open. A slot normally talks to one host; a few spare
// cover an application that alternates between two base URLs.
constexpr long kMaxConnectsPerSlot = 4;

void DestroySlot(CurlSlot* slot) {
  curl_easy_cleanup(slot->easy);  // first: it must not be in the multi when that goes
  curl_multi_cleanup(slot->multi);
  delete slot;
}

}  // namespace

Status EnsureCurlInitialized() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result == CURLE_OK) return Status::Ok();
  return InternalError(std::string("curl_global_init failed: ") + curl_easy_strerror(result));
}

CurlPool* CurlPool::Create() {
  auto* pool = new CurlPool(ForkEpoch());
  pool->share_ = curl_share_init();
  if (pool->share_ == nullptr) {
    delete pool;
    return nullptr;
  }
  CURLSH* s = pool->share_;
  CURLSHcode rc = curl_share_setopt(s, CURLSHOPT_LOCKFUNC, &CurlPool::Lock);
  if (rc == CURLSHE_OK) rc = curl_share_setopt(s, CURLSHOPT_UNLOCKFUNC, &CurlPool::Unlock);
  if (rc == CURLSHE_OK) rc = curl_share_setopt(s, CURLSHOPT_USERDATA, pool);
  if (rc == CURLSHE_OK) rc = curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  if (rc == CURLSHE_OK) rc = curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (rc != CURLSHE_OK) {
    delete pool;
    return nullptr;
  }
  return pool;
}

CurlPool::~CurlPool() {
  for (CurlSlot* slot : idle_) DestroySlot(slot);
  // Every easy handle using the share is gone (exchanges hold references), so this succeeds.
  if (share_ != nullptr) curl_share_cleanup(share_);
}

void CurlPool::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // In a fork child the handles hold the parent's sockets and TLS state; its locks may
  // even have been held by a parent thread at the fork. Leak all of it.
  if (OwnedByThisProcess()) delete this;
}

bool CurlPool::OwnedByThisProcess() const { return epoch_ == ForkEpoch(); }

CurlSlot* CurlPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      CurlSlot* slot = idle_.back();
      idle_.pop_back();
      return slot;
    }
  }
  auto* slot = new CurlSlot;
  slot->easy = curl_easy_init();
  slot->multi = curl_multi_init();
  if (slot->easy == nullptr || slot->multi == nullptr ||
      curl_easy_setopt(slot->easy, CURLOPT_SHARE, share_) != CURLE_OK ||
      curl_multi_setopt(slot->multi, CURLMOPT_MAXCONNECTS, kMaxConnectsPerSlot) != CURLM_OK) {
    if (slot->easy != nullptr) curl_easy_cleanup(slot->easy);
    if (slot->multi != nullptr) curl_multi_cleanup(slot->multi);
    delete slot;
    return nullptr;
  }
  return slot;
}

void CurlPool::Release(CurlSlot* slot) {
  // Forget the finished exchange's options (pointers into it included); the share, the
  // connections in the multi and the TLS session cache stay.
  curl_easy_reset(slot->easy);
  CurlSlot* surplus = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(slot);
    if (idle_.size() > kMaxIdleSlots) {
      surplus = idle_.front();  // the least recently used
      idle_.erase(idle_.begin());
    }
  }
  if (surplus != nullptr) DestroySlot(surplus);
}

void CurlPool::Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  if (data >= 0 && data < CURL_LOCK_DATA_LAST) static_cast<CurlPool*>(self)->data_locks_[data].lock();
}

void CurlPool::Unlock(CURL*, curl_lock_data data, void* self) {
  if (data >= 0 && data < CURL_LOCK_DATA_LAST) static_cast<CurlPool*>(self)->data_locks_[data].unlock();
}

}  // namespace llmgate::internal
