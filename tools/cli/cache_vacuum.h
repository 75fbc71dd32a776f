// `llmgate cache vacuum`: rebuilds cache.db to give the space of removed entries back to
// the filesystem, and removes the files of single-flights whose leading process died. The public Cache has no such call (applications never need it), so the
// tool opens the file through the library's internal store, with the same pragmas,
// busy handling and checkpoint rules as every other connection.
#ifndef LLMGATE_TOOLS_CLI_CACHE_VACUUM_H_
#define LLMGATE_TOOLS_CLI_CACHE_VACUUM_H_

#include <cstdint>
#include <string>

#include "llmgate/options.h"
#include "llmgate/status.h"

namespace llmgate::cli {

struct VacuumResult {
  int64_t bytes_before = 0;  // cache.db plus its WAL
  int64_t bytes_after = 0;
  bool checkpointed = false;  // false: another process held the WAL; the file shrinks at its next checkpoint
  int64_t abandoned_flights = 0;  // files of flights whose leading process died, removed
};

// `options` supplies the sync mode, busy timeout and checkpoint settings. cache.db must exist.
Result<VacuumResult> VacuumCache(const Options& options, const std::string& state_dir);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_CACHE_VACUUM_H_
