// A pool of connections to one database file, so that many threads can use a gate at
// once without sharing a connection. Fork-safe: a child process never touches a
// connection opened by its parent (SQLite forbids it); it opens its own.
#ifndef LLMGATE_LIB_STORE_CONNECTION_POOL_H_
#define LLMGATE_LIB_STORE_CONNECTION_POOL_H_


#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "llmgate/status.h"
#include "store/connection.h"

namespace llmgate::internal {

class ConnectionPool {
 public:
  explicit ConnectionPool(DbConfig config) : config_(std::move(config)) {}
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection lent to one thread; returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> c, uint64_t generation)
        : pool_(pool), connection_(std::move(c)), generation_(generation) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }
    // The connection is unusable (e.g. the file was found corrupt): close it, do not pool it.
    void Discard() { connection_.reset(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
    uint64_t generation_;
  };

  Result<Lease> Acquire();

  // Closes every idle connection and makes the leased ones close when returned: used
  // after the file was replaced (a corrupt cache rebuilt).
  void CloseAll();

  const DbConfig& config() const { return config_; }

 private:
  void Return(std::unique_ptr<Connection> c, uint64_t generation);
  // In a child process after fork(): forget the parent's connections without closing
  // them (closing could checkpoint or delete the parent's WAL).
  void AbandonInheritedLocked();

  DbConfig config_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  uint64_t generation_ = 0;
  std::optional<uint64_t> epoch_;  // ForkEpoch() of the process idle_ belongs to
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_STORE_CONNECTION_POOL_H_
