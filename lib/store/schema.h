// Schema versions and forward migrations, kept in PRAGMA user_version; PRAGMA
// application_id marks the file as an llmgate database.
#ifndef LLMGATE_LIB_STORE_SCHEMA_H_
#define LLMGATE_LIB_STORE_SCHEMA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "llmgate/status.h"
#include "store/connection.h"

namespace llmgate::internal {

struct Migration {
  int version;      // the schema version after this step (1, 2, ...)
  const char* sql;  // statements separated by ';'
};

struct Schema {
  std::string name;         // "cache" or "quota", for messages
  int32_t application_id;   // distinguishes our files from other SQLite files
  std::vector<Migration> migrations;  // in ascending version order
  int latest() const { return migrations.empty() ? 0 : migrations.back().version; }
};

// Brings the database up to schema.latest() in one BEGIN IMMEDIATE transaction (several
// processes may race to do it; the first wins, the others find it done).
// kFailedPrecondition when the file was written by a newer llmgate or by another program;
// other SQLite failures as StatusFromSqlite.
Status MigrateSchema(Connection& connection, const Schema& schema);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_STORE_SCHEMA_H_
