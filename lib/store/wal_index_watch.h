// Tells whether a WAL-mode database changed since a moment, without a system call, from the
// wal-index header that SQLite keeps in shared memory (the -shm file every connection maps;
// its layout is part of SQLite's documented WAL format, https://sqlite.org/walformat.html,
// and shared by every SQLite version since 3.7.0, as processes of different versions share
// one database).
//
// Every commit rewrites that header (two copies, the second one last), and a checkpoint's
// progress shows in nBackfill beside it. So a read transaction begun after the state read
// `mark` still sees the newest data, and holds back no checkpoint that has started, for as
// long as the state reads `mark`.
#ifndef LLMGATE_LIB_STORE_WAL_INDEX_WATCH_H_
#define LLMGATE_LIB_STORE_WAL_INDEX_WATCH_H_

#include <cstdint>

struct sqlite3;

namespace llmgate::internal {

class WalIndexWatch {
 public:
  // The first copy of the header (48 bytes) and the checkpoint's nBackfill.
  struct Mark {
    uint32_t words[13];
  };

  // Watches the wal-index of `db`'s main database. False, and the watch stays detached, when
  // the connection has no wal-index mapped (not in WAL mode, or a VFS without shared
  // memory). The mapping belongs to the connection: the watch must not outlive it.
  bool Attach(sqlite3* db);

  // Reads the current state; false when it cannot be told now (a writer is rewriting the
  // header, or the watch is detached).
  bool Read(Mark* mark) const;

  // True unless the state still reads `mark`.
  bool ChangedSince(const Mark& mark) const;

 private:
  const volatile uint32_t* index_ = nullptr;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_STORE_WAL_INDEX_WATCH_H_
