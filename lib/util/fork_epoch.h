// Telling a child process from its parent without a system call. glibc's getpid() is a
// real system call (a quarter of a microsecond on a VM), too dear for every cache lookup or
// pooled connection.
#ifndef LLMGATE_LIB_UTIL_FORK_EPOCH_H_
#define LLMGATE_LIB_UTIL_FORK_EPOCH_H_

#include <cstdint>

namespace llmgate::internal {

// A number that changes in the child after every fork() (counted by a pthread_atfork
// handler, installed on the first call). A resource tagged with the epoch it was made in
// belongs to another process when the tag no longer matches.
uint64_t ForkEpoch();

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_FORK_EPOCH_H_
