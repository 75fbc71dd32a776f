// Translating SQLite failures into llmgate Status codes.
#ifndef LLMGATE_LIB_STORE_SQLITE_STATUS_H_
#define LLMGATE_LIB_STORE_SQLITE_STATUS_H_

#include <exception>
#include <string>

#include "llmgate/status.h"

namespace llmgate::internal {

// BUSY/LOCKED -> kUnavailable (retry), CORRUPT/NOTADB -> kDataLoss, FULL -> kUnavailable
// ("disk full"), READONLY/CANTOPEN/PERM/AUTH -> kFailedPrecondition, others kInternal.
Status StatusFromSqlite(int extended_code, const std::string& context, const std::string& detail);

// The same for whatever a SQLiteCpp call threw (a SQLite::Exception or anything else).
Status StatusFromException(const std::exception& e, const std::string& context);

// True for codes that mean the file itself is damaged or not a database.
bool IsCorruptionCode(int extended_code);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_STORE_SQLITE_STATUS_H_
