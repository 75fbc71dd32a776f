// Connections set aside for cache lookups, the hottest path of the library, each with its
// one lookup statement prepared through the SQLite C API. Next to the general
// ConnectionPool plus SQLiteCpp, a lookup then makes no getpid() system calls (two per
// lease there, a quarter of a microsecond each on our VMs; a fork is seen through
// ForkEpoch here), no statement-map search, no std::function call and no shared_ptr copy
// per column read.
//
// Fork-safe like ConnectionPool: a child never touches (not even closes) a connection its
// parent opened; it opens its own.
#ifndef LLMGATE_LIB_CACHE_LOOKUP_READERS_H_
#define LLMGATE_LIB_CACHE_LOOKUP_READERS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "llmgate/status.h"
#include "store/connection.h"
#include "store/db_config.h"

struct sqlite3_stmt;

namespace llmgate::internal {

class LookupReaders {
 public:
  // `sql` is the lookup statement every reader prepares.
  LookupReaders(DbConfig config, const char* sql);
  ~LookupReaders();
  LookupReaders(const LookupReaders&) = delete;
  LookupReaders& operator=(const LookupReaders&) = delete;

  struct Reader;

  // A reader lent to one thread; returned (statement reset) when the lease ends.
  class Lease {
   public:
    // Defined where Reader is complete.
    Lease(LookupReaders* owner, std::unique_ptr<Reader> reader, uint64_t generation);
    Lease(Lease&&) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    sqlite3_stmt* statement() const;
    Connection& connection() const;
    // The connection is unusable (the file was found corrupt): close it, do not keep it.
    void Discard();

   private:
    LookupReaders* owner_;
    std::unique_ptr<Reader> reader_;
    uint64_t generation_;
  };

  Result<Lease> Acquire();

  // Closes the idle readers and makes the leased ones close when returned: the file was
  // replaced (a corrupt cache rebuilt).
  void CloseAll();

 private:
  void Return(std::unique_ptr<Reader> reader, uint64_t generation);
  void AbandonInheritedLocked();  // in a child after fork(): forget the parent's readers

  const DbConfig config_;
  const char* const sql_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Reader>> idle_;
  uint64_t generation_ = 0;
  uint64_t epoch_ = 0;  // ForkEpoch() of the process idle_ belongs to
  bool epoch_set_ = false;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_LOOKUP_READERS_H_
