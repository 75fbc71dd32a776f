#include "keys/key_store.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "store/sqlite_status.h"

namespace llmgate::internal {
namespace {

const char kSelectGroup[] = "SELECT key_group, group_source FROM api_keys WHERE fingerprint = ?1";
const char kUpsertGroup[] =
    "INSERT INTO api_keys(fingerprint, label, key_group, group_source, updated_micros) VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(fingerprint) DO UPDATE SET label = ?2, key_group = ?3, group_source = ?4, updated_micros = ?5";

}  // namespace

const char kKeyTablesSql[] =
    // One row per API key a process of this state directory has used. fingerprint is
    // KeyFingerprint() ("key:" + 16 hex digits), label KeyLabel() ("sk-…abcd").
    "CREATE TABLE api_keys("
    "  fingerprint TEXT PRIMARY KEY,"
    "  label TEXT NOT NULL,"
    "  key_group TEXT NOT NULL,"        // scope of the key's organization or project; '' = unknown
    "  group_source INTEGER NOT NULL,"  // GroupSource
    "  updated_micros INTEGER NOT NULL) WITHOUT ROWID";

Status KeyStore::Run(const char* what, const std::function<void(Connection&)>& op) {
  Result<ConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    op(**lease);
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getExtendedErrorCode(), std::string("key store: ") + what, e.what());
  } catch (const std::exception& e) {
    return StatusFromException(e, std::string("key store: ") + what);
  }
}

Result<std::optional<KeyGroup>> KeyStore::GroupOf(const std::string& fingerprint) {
  std::optional<KeyGroup> found;
  Status s = Run("reading a key's group", [&](Connection& c) {
    ScopedStatement st = c.Use(kSelectGroup);
    st->bind(1, fingerprint);
    if (st->executeStep()) {
      std::string group = st->getColumn(0).getString();
      if (!group.empty()) found = KeyGroup{group, static_cast<GroupSource>(st->getColumn(1).getInt())};
    }
  });
  if (!s.ok()) return s;
  return found;
}

Status KeyStore::SetGroup(const std::string& fingerprint, const std::string& label, const KeyGroup& group,
                          int64_t now_micros) {
  return Run("recording a key's group", [&](Connection& c) {
    WriteTransaction tx(c);
    {
      ScopedStatement st = c.Use(kUpsertGroup);
      st->bind(1, fingerprint);
      st->bind(2, label);
      st->bind(3, group.group);
      st->bind(4, static_cast<int>(group.source));
      st->bind(5, static_cast<int64_t>(now_micros));
      st->exec();
    }
    tx.Commit();
  });
}

}  // namespace llmgate::internal
