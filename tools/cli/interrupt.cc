#include "cli/interrupt.h"

#include <signal.h>

#include <algorithm>
#include <thread>

namespace llmgate::cli {
namespace {

// Lock-free, so setting it from a signal handler is safe.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void OnInterrupt(int) { g_interrupted.store(true); }

}  // namespace

void CatchInterrupts() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>& Interrupted() { return g_interrupted; }

bool SleepUnlessInterrupted(std::chrono::milliseconds d) {
  // Short slices: a sleeping thread is not woken by the handler, so poll the flag.
  const auto until = std::chrono::steady_clock::now() + d;
  while (!g_interrupted.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now,
                                                                               std::chrono::milliseconds(50)));
  }
  return false;
}

}  // namespace llmgate::cli
