// Connections set aside for cache lookups, the hottest path of the library, each with its
// one lookup statement prepared through the SQLite C API. Next to the general
// ConnectionPool plus SQLiteCpp, a lookup then makes no getpid() system calls (two per
// lease there, a quarter of a microsecond each on our VMs; a fork is seen through
// ForkEpoch here), no statement-map search, no std::function call and no shared_ptr copy
// per column read.
//
// Held read transactions. Beginning and ending a read transaction takes two fcntl() locks
// on the -shm file: in profiles on our VMs, close to half of a raw SQLite point lookup. So
// a reader keeps its read transaction open between lookups for as long as its wal-index
// shows no commit and no checkpoint progress since the transaction began (WalIndexWatch):
// its snapshot is then still the newest, and a lookup sees every commit that finished
// before it started, as with a transaction of its own. A held transaction is ended
//   - by the next lookup, when the wal-index changed or the transaction is older than
//     kMaxHold;
//   - by a background thread (a DeadlineThread, started on first need, one per
//     LookupReaders) once the reader has been idle for kIdleRelease, so that an idle process
//     never holds back another process's checkpoint for longer than that.
//
// Fork-safe like ConnectionPool: a child never touches (not even closes) a connection its
// parent opened; it opens its own.
#ifndef LLMGATE_LIB_CACHE_LOOKUP_READERS_H_
#define LLMGATE_LIB_CACHE_LOOKUP_READERS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "llmgate/status.h"
#include "store/connection.h"
#include "store/db_config.h"
#include "util/deadline_thread.h"

struct sqlite3_stmt;

namespace llmgate::internal {

class LookupReaders {
 public:
  using TimePoint = DeadlineThread::TimePoint;
  static constexpr std::chrono::milliseconds kIdleRelease{2};
  static constexpr std::chrono::milliseconds kMaxHold{100};

  // Who ends the held transactions of idle readers.
  enum class IdleRelease {
    kBackgroundThread,
    kByCaller,  // tests: only ReleaseIdle() does
  };

  // `sql` is the lookup statement every reader prepares.
  LookupReaders(DbConfig config, const char* sql, IdleRelease idle_release = IdleRelease::kBackgroundThread);
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

    // Call before stepping the statement: keeps the held read transaction if it still sees
    // the newest data, else ends it and (when changes can be watched) begins a new one.
    void BeginRead();
    // The statement failed: ends the held read transaction, if any.
    void EndRead();

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

  // Ends the held read transactions of readers idle since before `now - kIdleRelease`, and
  // returns when the next one comes due (TimePoint::max() if none is held).
  TimePoint ReleaseIdle(TimePoint now);

  // Idle readers holding a read transaction (for tests).
  int HeldIdleReaders();

 private:
  void Return(std::unique_ptr<Reader> reader, uint64_t generation);
  void AbandonInheritedLocked();  // in a child after fork(): forget the parent's readers
  bool InheritedLocked() const;   // idle_ belongs to the parent of this process
  TimePoint ReleaseIdleLocked(TimePoint now);

  const DbConfig config_;
  const char* const sql_;
  const IdleRelease idle_release_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Reader>> idle_;
  uint64_t generation_ = 0;
  std::optional<uint64_t> epoch_;  // ForkEpoch() of the process idle_ belongs to
  // When the background thread runs next, as its last ReleaseIdle() said; max() while it
  // waits to be woken (or has not started).
  TimePoint release_due_ = TimePoint::max();
  DeadlineThread releaser_;  // last: stopped before the members its task uses go
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_LOOKUP_READERS_H_
