// Running test code in child processes. A child reports failure through its exit code
// (gtest assertions in a child do not reach the parent).
#ifndef LLMGATE_TESTING_FORK_H_
#define LLMGATE_TESTING_FORK_H_

#include <sys/types.h>

#include <functional>
#include <vector>

namespace llmgate::testing {

// Forks; the child runs `body` and _exit()s with its return value (or 99 on an exception).
pid_t ForkChild(const std::function<int()>& body);

// Waits for the child; returns its exit code, or -signal when it was killed.
int WaitChild(pid_t pid);

// Forks `n` children running body(i) and returns their pids in order.
std::vector<pid_t> ForkChildren(int n, const std::function<int(int)>& body);

// Waits for every child; returns their exit codes (as WaitChild) in order.
std::vector<int> WaitChildren(const std::vector<pid_t>& pids);

// ForkChildren, then WaitChildren.
std::vector<int> RunChildren(int n, const std::function<int(int)>& body);

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_FORK_H_
