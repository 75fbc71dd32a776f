#include "cli/cache_vacuum.h"

#include <SQLiteCpp/Database.h>
#include <sys/stat.h>

#include <exception>

#include "cache/single_flight.h"
#include "store/connection.h"
#include "store/db_config.h"
#include "store/sqlite_status.h"
#include "util/logger.h"

namespace llmgate::cli {
namespace {

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

int64_t CacheBytes(const std::string& path) { return FileSize(path) + FileSize(path + "-wal"); }

}  // namespace

Result<VacuumResult> VacuumCache(const Options& options, const std::string& state_dir) {
  const std::string path = state_dir + "/cache.db";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFoundError("no cache database " + path);

  const internal::Logger logger(options.log_sink, options.log_level);
  internal::DbConfig config = internal::DbConfigFromOptions(options, path, &logger);
  Result<std::unique_ptr<internal::Connection>> c = internal::Connection::Open(config);
  if (!c.ok()) return c.status();

  VacuumResult result;
  result.bytes_before = CacheBytes(path);
  try {
    // The connection keeps temporary tables in memory; VACUUM copies the whole database
    // through a temporary one, which for a cache near its 1 GiB cap belongs on disk.
    (*c)->db().exec("PRAGMA temp_store=FILE");
    // VACUUM waits for other processes' writes like any write (busy timeout); readers
    // keep reading their snapshot meanwhile.
    (*c)->db().exec("VACUUM");
  } catch (const std::exception& e) {
    return internal::StatusFromException(e, "vacuuming " + path);
  }
  // In WAL mode the rebuilt pages land in the WAL; the file shrinks once they are
  // checkpointed back (TRUNCATE, one process at a time, as the library does).
  result.checkpointed = (*c)->Checkpoint();
  c->reset();
  result.bytes_after = CacheBytes(path);
  // The modes only matter for creating, which removing never does.
  Result<int64_t> abandoned = internal::SingleFlight(state_dir + "/flights", 0700, 0600).RemoveAbandoned();
  if (!abandoned.ok()) return abandoned.status();
  result.abandoned_flights = *abandoned;
  return result;
}

}  // namespace llmgate::cli
