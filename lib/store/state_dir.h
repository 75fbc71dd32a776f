// Where the shared state lives, and the checks that make sharing it safe.
#ifndef LLMGATE_LIB_STORE_STATE_DIR_H_
#define LLMGATE_LIB_STORE_STATE_DIR_H_

#include <sys/types.h>

#include <string>

#include "llmgate/status.h"

namespace llmgate::internal {

// Options::state_dir if set, else $LLMGATE_DIR, else $XDG_STATE_HOME/llmgate, else
// $HOME/.local/state/llmgate. kFailedPrecondition when none of them can be determined.
Result<std::string> ResolveStateDir(const std::string& configured);

// Creates `path` and its missing parents with `mode` (existing directories are left as
// they are). kFailedPrecondition when it cannot be created or is not a writable directory.
Status EnsureDirectory(const std::string& path, mode_t mode);

// True for filesystem magic numbers (statfs f_type) of network filesystems, where
// SQLite's WAL shared memory does not work across hosts.
bool IsNetworkFilesystemType(long f_type);

// kFailedPrecondition naming the filesystem when `path` is on a network filesystem.
Status CheckLocalFilesystem(const std::string& path);

// Creates `file` with `mode` if it does not exist, so SQLite (which copies the main
// file's mode to -wal and -shm) never creates it with the umask default.
Status CreateFileWithMode(const std::string& file, mode_t mode);

// Opens `file` for reading and writing (close-on-exec), first creating it with `mode`
// (whatever the umask) if it does not exist: for lock files. -1 with errno set on failure.
int OpenCreatingWithMode(const std::string& file, mode_t mode);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_STORE_STATE_DIR_H_
