// The states of every limit of one scope packed in one value, so that an acquire writes
// one row per scope however many limits it charges. Each limit owns a slot (its index);
// a slot is 24 bytes: tat, window_start and used as little-endian int64. The running counts
// of units charged (LimitState::charged), added with schema version 3, are packed the same
// way, 8 bytes a slot, in a value of their own.
#ifndef LLMGATE_LIB_LIMIT_STATE_BLOB_H_
#define LLMGATE_LIB_LIMIT_STATE_BLOB_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "limit/limit_def.h"

namespace llmgate::internal {

inline constexpr size_t kStateSlotBytes = 24;

// nullopt when `size` is not a whole number of slots.
std::optional<std::vector<LimitState>> DecodeStates(const void* data, size_t size);

std::string EncodeStates(const std::vector<LimitState>& states);

inline constexpr size_t kChargedSlotBytes = 8;

// Sets each state's `charged` from `data`. Empty data (a row written before version 3)
// leaves them 0; false when `size` is neither 0 nor a slot for each state.
bool DecodeCharged(const void* data, size_t size, std::vector<LimitState>* states);

std::string EncodeCharged(const std::vector<LimitState>& states);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_STATE_BLOB_H_
