#include "cache/recorded_accesses.h"

#include <utility>

namespace llmgate::internal {
namespace {

constexpr size_t kInitialSlots = 1024;

}  // namespace

RecordedAccesses::RecordedAccesses(size_t max_entries) : max_entries_(max_entries), slots_(kInitialSlots) {
  Publish();
}

void RecordedAccesses::Publish() {
  published_mask_.store(slots_.size() - 1, std::memory_order_relaxed);
  published_slots_.store(slots_.data(), std::memory_order_relaxed);
}

size_t RecordedAccesses::IndexOf(uint64_t stored) const {
  // Ids are hash bits already: the low ones pick the slot; linear probing after that.
  const size_t mask = slots_.size() - 1;
  size_t i = static_cast<size_t>(stored) & mask;
  while (slots_[i].id != stored && slots_[i].id != kEmpty) i = (i + 1) & mask;
  return i;
}

bool RecordedAccesses::Find(uint64_t id, int64_t* recorded_at_us) const {
  const Slot& slot = slots_[IndexOf(Stored(id))];
  if (slot.id == kEmpty) return false;
  *recorded_at_us = slot.recorded_at_us;
  return true;
}

void RecordedAccesses::Set(uint64_t id, int64_t recorded_at_us) {
  const uint64_t stored = Stored(id);
  size_t i = IndexOf(stored);
  if (slots_[i].id == kEmpty) {
    if (size_ >= max_entries_) {
      slots_.assign(kInitialSlots, Slot{kEmpty, 0});  // start over (see the constructor)
      size_ = 0;
      Publish();
    } else if (2 * (size_ + 1) > slots_.size()) {
      Grow();
    }
    i = IndexOf(stored);
    ++size_;
  }
  slots_[i] = Slot{stored, recorded_at_us};
}

void RecordedAccesses::Grow() {
  const std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(2 * slots_.size()));
  for (const Slot& slot : old) {
    if (slot.id != kEmpty) slots_[IndexOf(slot.id)] = slot;
  }
  Publish();
}

}  // namespace llmgate::internal
