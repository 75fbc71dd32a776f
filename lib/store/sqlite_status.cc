#include "store/sqlite_status.h"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

namespace llmgate::internal {

bool IsCorruptionCode(int extended_code) {
  int primary = extended_code & 0xFF;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

Status StatusFromSqlite(int extended_code, const std::string& context, const std::string& detail) {
  std::string message = context + ": " + detail;
  switch (extended_code & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(message + " (database busy; retry)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(message);
    case SQLITE_FULL:
      return UnavailableError(message + " (disk full)");
    case SQLITE_IOERR:
      return UnavailableError(message + " (I/O error)");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return FailedPreconditionError(message);
    default:
      return InternalError(message);
  }
}

Status StatusFromException(const std::exception& e, const std::string& context) {
  if (const auto* se = dynamic_cast<const SQLite::Exception*>(&e)) {
    return StatusFromSqlite(se->getExtendedErrorCode(), context, se->what());
  }
  return InternalError(context + ": " + e.what());
}

}  // namespace llmgate::internal
