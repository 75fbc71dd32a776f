// Everything `status` and `metrics` show, read in one go through the public API: every
// scope's limits, every key's health, the cache's and the client's shared counters.
#ifndef LLMGATE_TOOLS_CLI_SNAPSHOT_H_
#define LLMGATE_TOOLS_CLI_SNAPSHOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "llmgate/gate.h"

namespace llmgate::cli {

struct Snapshot {
  std::string state_dir;
  int64_t now_micros = 0;  // wall clock when it was taken (reset times are relative to it)
  std::vector<LimitUsage> limits;
  std::vector<KeyHealth> keys;
  CacheStats cache;
  SharedClientStats client;
};

Result<Snapshot> TakeSnapshot(Gate& gate);

// Wall clock, µs since the epoch (the time base of reset and cool-down times).
int64_t WallMicros();

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_SNAPSHOT_H_
