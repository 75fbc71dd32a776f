// A background thread that runs one task whenever it comes due. The task returns when it
// wants to run next (TimePoint::max(): only when woken). The thread starts on the first
// Wake(); between runs it sleeps.
//
// fork(): the task runs while a pthread_atfork guard is held, so fork() waits for it to end
// and a child never inherits a lock the task held. A child has no such thread (threads do
// not survive fork()); its first Wake() starts its own, and the parent's is neither joined
// nor touched there.
//
// The thread bears a name (at most 15 bytes, Linux's limit), so that top, ps -L and gdb say
// whose it is.
#ifndef LLMGATE_LIB_UTIL_DEADLINE_THREAD_H_
#define LLMGATE_LIB_UTIL_DEADLINE_THREAD_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace llmgate::internal {

class DeadlineThread {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Task = std::function<TimePoint(TimePoint now)>;

  DeadlineThread(std::string name, Task task);
  ~DeadlineThread();  // stops and joins this process's thread
  DeadlineThread(const DeadlineThread&) = delete;
  DeadlineThread& operator=(const DeadlineThread&) = delete;

  // Makes the task run soon if the thread sleeps without a deadline, starting the thread if
  // this process has none. Never blocks on the task itself. False when no thread could be
  // started: the caller must then do without (the reason is in *error).
  bool Wake(std::string* error);

 private:
  struct Runner;
  static void Loop(Runner* runner, const std::string* name, const Task* task);
  void ForgetInheritedLocked();  // in a child after fork(): drop the parent's runner_

  const std::string name_;
  const Task task_;
  std::mutex mu_;
  std::unique_ptr<Runner> runner_;  // this process's thread, once started
  uint64_t runner_epoch_ = 0;       // ForkEpoch() of the process runner_ belongs to
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_DEADLINE_THREAD_H_
