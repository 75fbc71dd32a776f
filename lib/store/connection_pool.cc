#include "store/connection_pool.h"

#include "util/fork_epoch.h"

namespace llmgate::internal {

ConnectionPool::~ConnectionPool() {
  std::lock_guard<std::mutex> lock(mu_);
  if (epoch_ && *epoch_ != ForkEpoch()) AbandonInheritedLocked();
}

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_->Return(std::move(connection_), generation_);
}

void ConnectionPool::AbandonInheritedLocked() {
  for (auto& c : idle_) (void)c.release();  // deliberately leaked: owned by the parent
  idle_.clear();
  ++generation_;  // leases still out belong to the parent's threads
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t self = ForkEpoch();
    if (epoch_ != self) {
      if (epoch_) AbandonInheritedLocked();
      epoch_ = self;
    }
    generation = generation_;
    if (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c), generation);
    }
  }
  Result<std::unique_ptr<Connection>> opened = Connection::Open(config_);
  if (!opened.ok()) return opened.status();
  return Lease(this, std::move(opened).value(), generation);
}

void ConnectionPool::Return(std::unique_ptr<Connection> c, uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (c->owner_epoch() != ForkEpoch()) {
    (void)c.release();  // opened before a fork: never close it in the child
    return;
  }
  if (generation != generation_) return;  // stale: closed here
  idle_.push_back(std::move(c));
}

void ConnectionPool::CloseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (epoch_ && *epoch_ != ForkEpoch()) {
    AbandonInheritedLocked();
    return;
  }
  idle_.clear();
  ++generation_;
}

}  // namespace llmgate::internal
