#include "util/fork_epoch.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>

namespace llmgate::internal {
namespace {

std::atomic<uint64_t> g_epoch{0};

void InChild() { g_epoch.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

uint64_t ForkEpoch() {
  // Installed before the first epoch is handed out, so no fork after that goes unseen.
  static const bool installed = pthread_atfork(nullptr, nullptr, &InChild) == 0;
  if (!installed) return static_cast<uint64_t>(::getpid());  // slow, but still right
  return g_epoch.load(std::memory_order_relaxed);
}

}  // namespace llmgate::internal
