#include "cache/canonical_members.h"

namespace llmgate::internal {
namespace {

// Objects up to this size are sorted by insertion, which beats std::stable_sort's setup.
constexpr size_t kMaxInsertionSorted = 16;

// Schemas have a handful of properties; past this many, rule 8's quadratic scan for repeated
// keys gives way to a sort, so a huge object cannot make canonicalization slow.
constexpr size_t kMaxScannedProperties = 32;

size_t FirstPlaceOrderByScan(const Member* members, size_t count, uint32_t* order) {
  size_t kept = 0;
  for (uint32_t i = 0; i < count; ++i) {
    size_t same = 0;
    while (same != kept && !KeyEqual(members[order[same]], members[i])) ++same;
    order[same] = i;
    if (same == kept) ++kept;
  }
  return kept;
}

// The same in O(n log n): sorts positions by key, marks the runs, then keeps the first
// position of each run, pointing at the run's last member.
size_t FirstPlaceOrderBySort(const Member* members, size_t count, uint32_t* order) {
  std::vector<uint32_t> by_key(count);
  for (uint32_t i = 0; i < count; ++i) by_key[i] = i;
  std::stable_sort(by_key.begin(), by_key.end(),
                   [members](uint32_t a, uint32_t b) { return KeyLess(members[a], members[b]); });
  constexpr uint32_t kDropped = UINT32_MAX;
  for (uint32_t i = 0; i < count; ++i) order[i] = i;
  for (size_t run = 0; run < count;) {
    size_t end = run + 1;
    while (end < count && KeyEqual(members[by_key[run]], members[by_key[end]])) order[by_key[end++]] = kDropped;
    order[by_key[run]] = by_key[end - 1];
    run = end;
  }
  return static_cast<size_t>(std::remove(order, order + count, kDropped) - order);
}

}  // namespace

// Sorts (prefix, position) pairs, which are small to move and mostly compare as integers.
// The sort is stable, so the last occurrence of a key is the last of its run.
size_t SortedOrder(const Member* members, size_t count, SortKey* keys, uint32_t* order) {
  const auto less = [members](const SortKey& a, const SortKey& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return members[a.position].Key() < members[b.position].Key();
  };
  if (count <= kMaxInsertionSorted) {
    for (uint32_t i = 0; i < count; ++i) {
      const SortKey moving{members[i].prefix, i};
      size_t j = i;
      for (; j != 0 && less(moving, keys[j - 1]); --j) keys[j] = keys[j - 1];
      keys[j] = moving;
    }
  } else {
    for (uint32_t i = 0; i < count; ++i) keys[i] = SortKey{members[i].prefix, i};
    std::stable_sort(keys, keys + count, less);
  }
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    if (i + 1 < count && KeyEqual(members[keys[i].position], members[keys[i + 1].position])) continue;
    order[kept++] = keys[i].position;
  }
  return kept;
}

size_t FirstPlaceOrder(const Member* members, size_t count, uint32_t* order) {
  return count <= kMaxScannedProperties ? FirstPlaceOrderByScan(members, count, order)
                                        : FirstPlaceOrderBySort(members, count, order);
}

}  // namespace llmgate::internal
