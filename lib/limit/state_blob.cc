#include "limit/state_blob.h"

#include <cstdint>

namespace llmgate::internal {
namespace {

// Explicit byte order, so the file means the same on every host that may open it.
int64_t Load(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

void Store(int64_t value, char* p) {
  uint64_t v = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i, v >>= 8) p[i] = static_cast<char>(v & 0xFF);
}

}  // namespace

std::optional<std::vector<LimitState>> DecodeStates(const void* data, size_t size) {
  if (size % kStateSlotBytes != 0) return std::nullopt;
  const auto* p = static_cast<const unsigned char*>(data);
  std::vector<LimitState> states(size / kStateSlotBytes);
  for (LimitState& s : states) {
    s.tat = Load(p);
    s.window_start = Load(p + 8);
    s.used = Load(p + 16);
    p += kStateSlotBytes;
  }
  return states;
}

std::string EncodeStates(const std::vector<LimitState>& states) {
  std::string out(states.size() * kStateSlotBytes, '\0');
  char* p = out.data();
  for (const LimitState& s : states) {
    Store(s.tat, p);
    Store(s.window_start, p + 8);
    Store(s.used, p + 16);
    p += kStateSlotBytes;
  }
  return out;
}

bool DecodeCharged(const void* data, size_t size, std::vector<LimitState>* states) {
  if (size == 0) return true;
  if (size != states->size() * kChargedSlotBytes) return false;
  const auto* p = static_cast<const unsigned char*>(data);
  for (LimitState& s : *states) {
    s.charged = Load(p);
    p += kChargedSlotBytes;
  }
  return true;
}

std::string EncodeCharged(const std::vector<LimitState>& states) {
  std::string out(states.size() * kChargedSlotBytes, '\0');
  char* p = out.data();
  for (const LimitState& s : states) {
    Store(s.charged, p);
    p += kChargedSlotBytes;
  }
  return out;
}

}  // namespace llmgate::internal
