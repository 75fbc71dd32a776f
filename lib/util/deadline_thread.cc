#include "util/deadline_thread.h"

#include <pthread.h>

#include <condition_variable>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "util/fork_epoch.h"

namespace llmgate::internal {
namespace {

// Held while a task runs, and by fork() (through pthread_atfork) for the duration of the fork.
std::mutex& ForkGuard() {
  static std::mutex guard;
  return guard;
}

bool InstallForkGuard() {
  static const bool installed = pthread_atfork([] { ForkGuard().lock(); }, [] { ForkGuard().unlock(); },
                                               [] { ForkGuard().unlock(); }) == 0;
  return installed;
}

}  // namespace

struct DeadlineThread::Runner {
  std::mutex mu;
  std::condition_variable wake;
  bool asleep = false;  // waiting without a deadline: Wake() must notify
  bool stop = false;
  std::thread thread;
};

DeadlineThread::DeadlineThread(std::string name, Task task) : name_(std::move(name)), task_(std::move(task)) {}

DeadlineThread::~DeadlineThread() {
  std::unique_ptr<Runner> runner;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ForgetInheritedLocked();
    runner = std::move(runner_);
  }
  if (!runner) return;
  {
    std::lock_guard<std::mutex> lock(runner->mu);
    runner->stop = true;
  }
  runner->wake.notify_one();
  runner->thread.join();
}

bool DeadlineThread::Wake(std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  ForgetInheritedLocked();
  if (runner_) {
    std::lock_guard<std::mutex> runner_lock(runner_->mu);
    if (runner_->asleep) {
      runner_->asleep = false;
      runner_->wake.notify_one();
    }
    return true;
  }
  if (!InstallForkGuard()) {
    *error = "pthread_atfork failed";
    return false;
  }
  try {
    auto runner = std::make_unique<Runner>();
    runner->thread = std::thread(&DeadlineThread::Loop, runner.get(), &name_, &task_);
    runner_ = std::move(runner);
    runner_epoch_ = ForkEpoch();
    return true;
  } catch (const std::system_error& e) {
    *error = e.what();
    return false;
  }
}

void DeadlineThread::ForgetInheritedLocked() {
  // Deliberately leaked: the parent's thread does not exist here, so stopping or joining it
  // would wait forever.
  if (runner_ && runner_epoch_ != ForkEpoch()) (void)runner_.release();
}

void DeadlineThread::Loop(Runner* runner, const std::string* name, const Task* task) {
  pthread_setname_np(pthread_self(), name->substr(0, 15).c_str());  // a nicety: failure is harmless
  std::unique_lock<std::mutex> lock(runner->mu);
  while (!runner->stop) {
    // Asleep from before the run, so that a Wake() during it is not lost.
    runner->asleep = true;
    lock.unlock();
    TimePoint next;
    {
      std::lock_guard<std::mutex> fork_guard(ForkGuard());
      next = (*task)(std::chrono::steady_clock::now());
    }
    lock.lock();
    if (runner->stop) break;
    if (next == TimePoint::max()) {
      runner->wake.wait(lock, [runner] { return runner->stop || !runner->asleep; });
    } else {
      runner->asleep = false;
      runner->wake.wait_until(lock, next);
    }
  }
}

}  // namespace llmgate::internal
