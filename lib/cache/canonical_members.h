// The members of the objects the canonical writer (canonical_writer.cc) has open, and the
// order rules 1 and 8 of canonical.h give them once an object is complete. Only positions
// are computed here; the writer moves the bytes.
#ifndef LLMGATE_LIB_CACHE_CANONICAL_MEMBERS_H_
#define LLMGATE_LIB_CACHE_CANONICAL_MEMBERS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace llmgate::internal {

// A member already written to the output.
struct Member {
  uint64_t prefix;  // KeyPrefix (json_scan.h) of the key
  const char* key;  // the unescaped key
  size_t key_size;
  size_t begin;  // output offsets: of the key's opening quote,
  size_t value;  // of the value,
  size_t end;    // and just past the value

  std::string_view Key() const { return {key, key_size}; }
};

inline bool KeyLess(const Member& a, const Member& b) {
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return a.Key() < b.Key();
}

inline bool KeyEqual(const Member& a, const Member& b) { return a.prefix == b.prefix && a.Key() == b.Key(); }

// What sorting an object's members moves around: a member's key prefix and position.
struct SortKey {
  uint64_t prefix;
  uint32_t position;
};

// Rule 1: writes to order the positions of members[0, count) sorted by key, keeping of
// equal keys only the last occurrence; returns how many there are. keys is scratch room for
// count entries.
size_t SortedOrder(const Member* members, size_t count, SortKey* keys, uint32_t* order);

// Rule 8: writes to order the positions to write members[0, count) in: input order, where a
// repeated key stays where it first appeared and takes its last value, as Python's json
// module (OpenAI's servers) reads it. A repeated key is spelled the same each time, so its
// last member goes in the first one's place. Returns how many positions there are.
size_t FirstPlaceOrder(const Member* members, size_t count, uint32_t* order);

// The members of the open objects, each object's above where its parent's end: a plain
// array with a count, whose vector only holds the memory (its size is the capacity).
class MemberStack {
 public:
  explicit MemberStack(std::vector<Member>* storage)
      : storage_(*storage), data_(storage->data()), capacity_(storage->size()) {}

  size_t size() const { return size_; }
  Member& operator[](size_t i) { return data_[i]; }
  Member* end() { return data_ + size_; }

  // Pushes a member to fill in later; returns its index.
  size_t Add() {
    if (size_ == capacity_) Grow();
    return size_++;
  }
  void Push(const Member& member) {
    const size_t index = Add();  // first: it may move the stack
    data_[index] = member;
  }
  void Truncate(size_t size) { size_ = size; }

 private:
  void Grow() {
    storage_.resize(std::max<size_t>(64, 2 * capacity_));
    data_ = storage_.data();
    capacity_ = storage_.size();
  }

  std::vector<Member>& storage_;
  Member* data_;
  size_t capacity_;
  size_t size_ = 0;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CANONICAL_MEMBERS_H_
