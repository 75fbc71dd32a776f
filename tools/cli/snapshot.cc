#include "cli/snapshot.h"

#include <chrono>

namespace llmgate::cli {

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Snapshot> TakeSnapshot(Gate& gate) {
  Snapshot s;
  s.state_dir = gate.state_dir();
  auto limits = gate.limiter().Usage();
  if (!limits.ok()) return limits.status();
  s.limits = std::move(limits).value();
  auto keys = gate.keys().List();
  if (!keys.ok()) return keys.status();
  s.keys = std::move(keys).value();
  auto cache = gate.cache().Stats();
  if (!cache.ok()) return cache.status();
  s.cache = *cache;
  auto client = gate.client().SharedStats();
  if (!client.ok()) return client.status();
  s.client = *client;
  // After the reads: a full bucket reports "full again at now" as of its read, which must
  // not show as a reset still to come.
  s.now_micros = WallMicros();
  return s;
}

}  // namespace llmgate::cli
