// The raw counter transaction: BEGIN IMMEDIATE; UPSERT one counter row; COMMIT, with the raw
// sqlite3 C API and prepared statements, on a connection the library opened (so with the
// pragmas, busy handler and checkpoint policy of quota.db). It is the baseline the limiter
// figures are held to (BM_RawSqliteCounterTx, llmgate_limiter_scale_bench) and the load of a
// busy limiter (llmgate_cache_load_bench). One copy, so that every figure compares with the
// same work: change its SQL or shape and the recorded figures are no longer comparable.
#ifndef LLMGATE_BENCH_RAW_COUNTER_H_
#define LLMGATE_BENCH_RAW_COUNTER_H_

#include <memory>
#include <string>

#include "llmgate/status.h"
#include "util/logger.h"

struct sqlite3_stmt;

namespace llmgate::internal {
class Connection;
}  // namespace llmgate::internal

namespace llmgate::bench {

// Creates the counters table in the database `path` unless it has one. Call it once before
// the processes that run transactions on the file start (each opens its own RawCounter).
Status CreateRawCounterTable(const std::string& path);

class RawCounter {
 public:
  // Opens `path` (where CreateRawCounterTable made the table) and prepares the transaction
  // on the row `name`. Open it in the process that uses it: never across fork().
  static Result<std::unique_ptr<RawCounter>> Open(const std::string& path, const std::string& name);
  ~RawCounter();
  RawCounter(const RawCounter&) = delete;
  RawCounter& operator=(const RawCounter&) = delete;

  // One transaction. False when a statement failed: it is rolled back and error() says why.
  bool Transaction();
  const std::string& error() const { return error_; }

 private:
  RawCounter() = default;

  internal::Logger logger_;  // the connection keeps a pointer to it
  std::unique_ptr<internal::Connection> connection_;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::string error_;
};

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_RAW_COUNTER_H_
