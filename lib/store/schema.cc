#include "store/schema.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/sqlite_status.h"

namespace llmgate::internal {
namespace {

int64_t PragmaValue(Connection& c, const char* pragma) {
  ScopedStatement st = c.Use(pragma);
  int64_t v = st->executeStep() ? st->getColumn(0).getInt64() : 0;
  st->tryReset();
  return v;
}

// Checks the versions under the write lock; `*current` is the file's schema version.
Status CheckVersions(Connection& c, const Schema& schema, int64_t* current) {
  int64_t app_id = PragmaValue(c, "PRAGMA application_id");
  *current = PragmaValue(c, "PRAGMA user_version");
  if (app_id != 0 && app_id != schema.application_id) {
    return FailedPreconditionError(c.config().path + " is a SQLite database of another program, not an llmgate " +
                                   schema.name + " database");
  }
  if (*current > schema.latest()) {
    return FailedPreconditionError(c.config().path + " was written by a newer llmgate (" + schema.name +
                                   " schema " + std::to_string(*current) + "; this build knows up to " +
                                   std::to_string(schema.latest()) + "): upgrade llmgate");
  }
  return Status::Ok();
}

}  // namespace

Status MigrateSchema(Connection& c, const Schema& schema) {
  try {
    int64_t current = 0;
    // Fast path without the write lock: most opens find the schema current.
    if (Status s = CheckVersions(c, schema, &current); !s.ok()) return s;
    if (current == schema.latest()) return Status::Ok();

    WriteTransaction tx(c);
    if (Status s = CheckVersions(c, schema, &current); !s.ok()) return s;
    for (const Migration& m : schema.migrations) {
      if (m.version <= current) continue;
      c.db().exec(m.sql);
    }
    c.db().exec("PRAGMA application_id=" + std::to_string(schema.application_id));
    c.db().exec("PRAGMA user_version=" + std::to_string(schema.latest()));
    tx.Commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return StatusFromException(e, "preparing the " + schema.name + " schema of " + c.config().path);
  }
}

}  // namespace llmgate::internal
