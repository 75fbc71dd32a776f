// When this process last recorded the access time of each cache entry, so that a hit
// within the granularity records nothing. It is asked on every hit, so it is a flat
// open-addressing table (one cache miss per question) rather than a node-based map.
#ifndef LLMGATE_LIB_CACHE_RECORDED_ACCESSES_H_
#define LLMGATE_LIB_CACHE_RECORDED_ACCESSES_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmgate::internal {

class RecordedAccesses {
 public:
  // Past `max_entries` the table starts over; the cost is one extra access write for each
  // entry hit again.
  explicit RecordedAccesses(size_t max_entries);

  // When `id` (the low 64 bits of an entry's hash) was last recorded; false if not known.
  bool Find(uint64_t id, int64_t* recorded_at_us) const;

  void Set(uint64_t id, int64_t recorded_at_us);

  // Starts loading the slot where Find(id) will begin, so that a Find made after the cache
  // lookup (microseconds later) does not wait for memory. Needs no lock, unlike the rest: it
  // reads only an atomic copy of where the slots are, and prefetching memory that has been
  // freed meanwhile does no harm (a prefetch never faults).
  void Prefetch(uint64_t id) const {
    const Slot* slots = published_slots_.load(std::memory_order_relaxed);
    __builtin_prefetch(slots + (Stored(id) & published_mask_.load(std::memory_order_relaxed)));
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t id;  // kEmpty when free
    int64_t recorded_at_us;
  };
  // id 0 cannot be told from a free slot; it is stored as 1 instead. The two entries then
  // share one record, which at worst skips recording an access (the id is a hash: it
  // practically never happens).
  static constexpr uint64_t kEmpty = 0;
  static uint64_t Stored(uint64_t id) { return id == kEmpty ? 1 : id; }

  size_t IndexOf(uint64_t stored) const;  // the slot holding stored, or the free one to use
  void Grow();  // doubles the slots
  void Publish();  // for Prefetch, after slots_ moved

  const size_t max_entries_;
  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t size_ = 0;
  std::atomic<const Slot*> published_slots_{nullptr};
  std::atomic<size_t> published_mask_{0};
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_RECORDED_ACCESSES_H_
