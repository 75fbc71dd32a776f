#include "testing/fork.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

namespace llmgate::testing {

pid_t ForkChild(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int code = 99;
  try {
    code = body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: exception: %s\n", ::getpid(), e.what());
  } catch (...) {
  }
  std::fflush(nullptr);
  ::_exit(code);
}

int WaitChild(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

std::vector<pid_t> ForkChildren(int n, const std::function<int(int)>& body) {
  std::vector<pid_t> pids;
  for (int i = 0; i < n; ++i) pids.push_back(ForkChild([&body, i] { return body(i); }));
  return pids;
}

std::vector<int> WaitChildren(const std::vector<pid_t>& pids) {
  std::vector<int> codes;
  for (pid_t p : pids) codes.push_back(WaitChild(p));
  return codes;
}

std::vector<int> RunChildren(int n, const std::function<int(int)>& body) { return WaitChildren(ForkChildren(n, body)); }

}  // namespace llmgate::testing
