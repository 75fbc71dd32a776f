// Telling whether the process that took a lease is still alive. A pid alone is not enough:
// pids are reused, so a lease also records its process's start time (from /proc), and a
// live process with another start time is a different process.
#ifndef LLMGATE_LIB_KEYS_PROCESS_IDENTITY_H_
#define LLMGATE_LIB_KEYS_PROCESS_IDENTITY_H_

#include <sys/types.h>

#include <cstdint>

namespace llmgate::internal {

struct ProcessIdentity {
  pid_t pid = 0;
  int64_t start_ticks = 0;  // /proc/<pid>/stat field 22; 0 when unreadable
};

// This process (computed again after fork()).
ProcessIdentity CurrentProcess();

// Whether `p` still runs. Unknown start times compare by pid only.
bool IsAlive(const ProcessIdentity& p);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_PROCESS_IDENTITY_H_
