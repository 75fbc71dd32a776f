#include "store/wal_index_watch.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>

namespace llmgate::internal {
namespace {

// The wal-index is mapped in regions of 32 KiB; its header starts the first one.
constexpr int kRegionBytes = 32768;
// In 32-bit words: the header's two copies of 48 bytes each, then the checkpoint
// information, whose first word is nBackfill (frames already copied into the database).
constexpr int kCopyWords = 12;
constexpr int kBackfillWord = 2 * kCopyWords;

uint32_t LoadWord(const volatile uint32_t* p) {
  return __atomic_load_n(const_cast<const uint32_t*>(p), __ATOMIC_RELAXED);
}

}  // namespace

bool WalIndexWatch::Attach(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == nullptr ||
      file->pMethods == nullptr || file->pMethods->iVersion < 2 || file->pMethods->xShmMap == nullptr) {
    return false;
  }
  volatile void* region = nullptr;
  // bExtend 0: the region SQLite itself mapped for this connection, never a new one.
  if (file->pMethods->xShmMap(file, 0, kRegionBytes, 0, &region) != SQLITE_OK || region == nullptr) return false;
  index_ = static_cast<const volatile uint32_t*>(region);
  return true;
}

bool WalIndexWatch::Read(Mark* mark) const {
  if (index_ == nullptr) return false;
  // As SQLite's readers do: the first copy, then (after a barrier) the second, which a
  // writer updates first; copies that differ mean a commit is being published.
  for (int i = 0; i < kCopyWords; ++i) mark->words[i] = LoadWord(index_ + i);
  std::atomic_thread_fence(std::memory_order_acquire);
  for (int i = 0; i < kCopyWords; ++i) {
    if (LoadWord(index_ + kCopyWords + i) != mark->words[i]) return false;
  }
  mark->words[kCopyWords] = LoadWord(index_ + kBackfillWord);
  return true;
}

bool WalIndexWatch::ChangedSince(const Mark& mark) const {
  Mark now;
  return !Read(&now) || std::memcmp(now.words, mark.words, sizeof now.words) != 0;
}

}  // namespace llmgate::internal
