#include "keys/key_store.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>

#include "keys/latency_histogram.h"
#include "store/sqlite_status.h"

namespace llmgate::internal {

const char kKeyTablesSql[] =
    // One row per API key a process of this state directory has used. fingerprint is
    // KeyFingerprint() ("key:" + 16 hex digits), label KeyLabel() ("sk-…abcd"): the key
    // itself is never stored.
    "CREATE TABLE api_keys("
    "  fingerprint TEXT PRIMARY KEY,"
    "  label TEXT NOT NULL,"
    "  key_group TEXT NOT NULL DEFAULT '',"         // scope of its organization or project
    "  group_source INTEGER NOT NULL DEFAULT 0,"   // GroupSource
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  disabled_reason TEXT NOT NULL DEFAULT '',"
    "  cooldown_until INTEGER NOT NULL DEFAULT 0,"  // µs since the epoch
    "  failures_in_row INTEGER NOT NULL DEFAULT 0,"
    "  requests INTEGER NOT NULL DEFAULT 0,"
    "  successes INTEGER NOT NULL DEFAULT 0,"
    "  http_429 INTEGER NOT NULL DEFAULT 0,"
    "  auth_errors INTEGER NOT NULL DEFAULT 0,"
    "  quota_errors INTEGER NOT NULL DEFAULT 0,"
    "  server_errors INTEGER NOT NULL DEFAULT 0,"
    "  network_errors INTEGER NOT NULL DEFAULT 0,"
    "  other_errors INTEGER NOT NULL DEFAULT 0,"
    "  tokens_in INTEGER NOT NULL DEFAULT 0,"
    "  tokens_out INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  last_error_at INTEGER NOT NULL DEFAULT 0,"
    "  last_error_request_id TEXT NOT NULL DEFAULT '',"
    "  updated_micros INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    // Shared latency histogram (latency_histogram.h): one row per key and bucket used.
    "CREATE TABLE key_latency("
    "  fingerprint TEXT NOT NULL,"
    "  bucket INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  PRIMARY KEY(fingerprint, bucket)) WITHOUT ROWID;"
    // A request in flight holds a lease on its key; a dead process's leases are reclaimed.
    "CREATE TABLE key_leases("
    "  id INTEGER PRIMARY KEY,"
    "  fingerprint TEXT NOT NULL,"
    "  pid INTEGER NOT NULL,"
    "  pid_start INTEGER NOT NULL,"
    "  started_micros INTEGER NOT NULL);"
    "CREATE INDEX key_leases_by_key ON key_leases(fingerprint);"
    // Counters of the client shared by every process: retries, 429s, waits, failures.
    "CREATE TABLE client_counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID";

namespace {

const char kRegister[] =
    "INSERT INTO api_keys(fingerprint, label, updated_micros) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(fingerprint) DO UPDATE SET label = ?2 WHERE label <> ?2";
const char kSelectGroup[] = "SELECT key_group, group_source FROM api_keys WHERE fingerprint = ?1";
const char kUpsertGroup[] =
    "INSERT INTO api_keys(fingerprint, label, key_group, group_source, updated_micros) VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(fingerprint) DO UPDATE SET key_group = ?3, group_source = ?4, updated_micros = ?5";
const char kSelectCondition[] =
    "SELECT disabled, disabled_reason, cooldown_until, failures_in_row, requests FROM api_keys WHERE fingerprint = ?1";
const char kSelectLeases[] = "SELECT id, pid, pid_start FROM key_leases WHERE fingerprint = ?1";
const char kSelectAllLeases[] = "SELECT id, fingerprint, pid, pid_start FROM key_leases";
const char kDeleteLease[] = "DELETE FROM key_leases WHERE id = ?1";
const char kInsertLease[] = "INSERT INTO key_leases(fingerprint, pid, pid_start, started_micros) VALUES(?1, ?2, ?3, ?4)";
const char kUpdateCondition[] =
    "UPDATE api_keys SET disabled = ?2, disabled_reason = ?3, cooldown_until = ?4, failures_in_row = ?5,"
    " updated_micros = ?6 WHERE fingerprint = ?1";
// Counters: ?2.. are the increments of this attempt.
const char kCountAttempt[] =
    "UPDATE api_keys SET requests = requests + 1, successes = successes + ?2, http_429 = http_429 + ?3,"
    " auth_errors = auth_errors + ?4, quota_errors = quota_errors + ?5, server_errors = server_errors + ?6,"
    " network_errors = network_errors + ?7, other_errors = other_errors + ?8, tokens_in = tokens_in + ?9,"
    " tokens_out = tokens_out + ?10 WHERE fingerprint = ?1";
const char kSetLastError[] =
    "UPDATE api_keys SET last_error = ?2, last_error_at = ?3, last_error_request_id = ?4 WHERE fingerprint = ?1";
const char kCountLatency[] =
    "INSERT INTO key_latency(fingerprint, bucket, count) VALUES(?1, ?2, 1)"
    " ON CONFLICT(fingerprint, bucket) DO UPDATE SET count = count + 1";
const char kSelectAll[] =
    "SELECT fingerprint, label, key_group, disabled, disabled_reason, cooldown_until, requests, successes, http_429,"
    " auth_errors, quota_errors, server_errors, network_errors, other_errors, tokens_in, tokens_out, last_error,"
    " last_error_at, last_error_request_id FROM api_keys ORDER BY fingerprint";
const char kSelectLatency[] = "SELECT fingerprint, bucket, count FROM key_latency";
const char kAddCounter[] =
    "INSERT INTO client_counters(name, value) VALUES(?1, ?2)"
    " ON CONFLICT(name) DO UPDATE SET value = value + ?2";
const char kSelectCounters[] = "SELECT name, value FROM client_counters";

// A message kept as a key's last error is capped: it goes into status screens.
constexpr size_t kMaxLastErrorBytes = 512;

int Flag(bool b) { return b ? 1 : 0; }

}  // namespace

Status KeyStore::Run(const char* what, const std::function<void(Connection&)>& op) {
  Result<ConnectionPool::Lease> lease = pool_->Acquire();
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

Status KeyStore::Register(const std::string& fingerprint, const std::string& label, int64_t now) {
  return Run("recording a key", [&](Connection& c) {
    WriteTransaction tx(c);
    {
      ScopedStatement st = c.Use(kRegister);
      st->bind(1, fingerprint);
      st->bind(2, label);
      st->bind(3, static_cast<int64_t>(now));
      st->exec();
    }
    tx.Commit();
  });
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
                          int64_t now) {
  return Run("recording a key's group", [&](Connection& c) {
    WriteTransaction tx(c);
    {
      ScopedStatement st = c.Use(kUpsertGroup);
      st->bind(1, fingerprint);
      st->bind(2, label);
      st->bind(3, group.group);
      st->bind(4, static_cast<int>(group.source));
      st->bind(5, static_cast<int64_t>(now));
      st->exec();
    }
    tx.Commit();
  });
}

Result<std::map<std::string, KeySnapshot>> KeyStore::Snapshot(const std::vector<std::string>& fingerprints) {
  std::map<std::string, KeySnapshot> out;
  Status s = Run("reading key conditions", [&](Connection& c) {
    ReadTransaction tx(c);
    for (const std::string& fp : fingerprints) {
      ScopedStatement st = c.Use(kSelectCondition);
      st->bind(1, fp);
      if (!st->executeStep()) continue;
      KeySnapshot& snap = out[fp];
      snap.condition.disabled = st->getColumn(0).getInt() != 0;
      snap.condition.disabled_reason = st->getColumn(1).getString();
      snap.condition.cooldown_until = st->getColumn(2).getInt64();
      snap.condition.failures_in_row = st->getColumn(3).getInt64();
      snap.requests = st->getColumn(4).getInt64();
    }
    ScopedStatement leases = c.Use(kSelectAllLeases);
    while (leases->executeStep()) {
      auto it = out.find(leases->getColumn(1).getString());
      if (it == out.end()) continue;
      ProcessIdentity holder{static_cast<pid_t>(leases->getColumn(2).getInt()), leases->getColumn(3).getInt64()};
      if (IsAlive(holder)) ++it->second.in_flight;
    }
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<int64_t>> KeyStore::TryLease(const std::string& fingerprint, int max_in_flight, int64_t now) {
  std::optional<int64_t> lease;
  Status s = Run("taking a key lease", [&](Connection& c) {
    WriteTransaction tx(c);
    if (max_in_flight > 0) {
      std::vector<int64_t> dead;
      int64_t live = 0;
      {
        ScopedStatement st = c.Use(kSelectLeases);
        st->bind(1, fingerprint);
        while (st->executeStep()) {
          ProcessIdentity holder{static_cast<pid_t>(st->getColumn(1).getInt()), st->getColumn(2).getInt64()};
          if (IsAlive(holder)) {
            ++live;
          } else {
            dead.push_back(st->getColumn(0).getInt64());
          }
        }
      }
      for (int64_t id : dead) {
        ScopedStatement del = c.Use(kDeleteLease);
        del->bind(1, static_cast<int64_t>(id));
        del->exec();
      }
      if (live >= max_in_flight) {
        tx.Commit();  // keep the reclaimed leases gone
        return;
      }
    }
    const ProcessIdentity self = CurrentProcess();
    ScopedStatement ins = c.Use(kInsertLease);
    ins->bind(1, fingerprint);
    ins->bind(2, static_cast<int64_t>(self.pid));
    ins->bind(3, static_cast<int64_t>(self.start_ticks));
    ins->bind(4, static_cast<int64_t>(now));
    ins->exec();
    lease = c.db().getLastInsertRowid();
    tx.Commit();
  });
  if (!s.ok()) return s;
  return lease;
}

Status KeyStore::AddCounters(const std::vector<std::pair<const char*, int64_t>>& deltas) {
  return Run("counting", [&](Connection& c) {
    WriteTransaction tx(c);
    for (const auto& [name, delta] : deltas) {
      ScopedStatement st = c.Use(kAddCounter);
      st->bind(1, name);
      st->bind(2, static_cast<int64_t>(delta));
      st->exec();
    }
    tx.Commit();
  });
}

Result<std::map<std::string, int64_t>> KeyStore::Counters() {
  std::map<std::string, int64_t> out;
  Status s = Run("reading counters", [&](Connection& c) {
    ScopedStatement st = c.Use(kSelectCounters);
    while (st->executeStep()) out[st->getColumn(0).getString()] = st->getColumn(1).getInt64();
  });
  if (!s.ok()) return s;
  return out;
}

Status KeyStore::ReleaseLease(int64_t lease) {
  if (lease <= 0) return Status::Ok();
  return Run("releasing a key lease", [&](Connection& c) {
    WriteTransaction tx(c);
    {
      ScopedStatement del = c.Use(kDeleteLease);
      del->bind(1, static_cast<int64_t>(lease));
      del->exec();
    }
    tx.Commit();
  });
}

Result<KeyCondition> KeyStore::Record(const std::string& fingerprint, int64_t lease, const AttemptReport& a,
                                      int64_t now) {
  KeyCondition after;
  Status s = Run("recording an attempt", [&](Connection& c) {
    WriteTransaction tx(c);
    if (lease > 0) {
      ScopedStatement del = c.Use(kDeleteLease);
      del->bind(1, static_cast<int64_t>(lease));
      del->exec();
    }
    KeyCondition before;
    {
      ScopedStatement st = c.Use(kSelectCondition);
      st->bind(1, fingerprint);
      if (!st->executeStep()) return;  // unknown key: nothing to count
      before.disabled = st->getColumn(0).getInt() != 0;
      before.disabled_reason = st->getColumn(1).getString();
      before.cooldown_until = st->getColumn(2).getInt64();
      before.failures_in_row = st->getColumn(3).getInt64();
    }
    after = ApplyAttempt(before, a, rules_, now);
    {
      ScopedStatement st = c.Use(kUpdateCondition);
      st->bind(1, fingerprint);
      st->bind(2, Flag(after.disabled));
      st->bind(3, after.disabled_reason);
      st->bind(4, static_cast<int64_t>(after.cooldown_until));
      st->bind(5, static_cast<int64_t>(after.failures_in_row));
      st->bind(6, static_cast<int64_t>(now));
      st->exec();
    }
    {
      ScopedStatement st = c.Use(kCountAttempt);
      st->bind(1, fingerprint);
      st->bind(2, Flag(a.kind == AttemptClass::kSuccess));
      st->bind(3, Flag(a.kind == AttemptClass::kRateLimited));
      st->bind(4, Flag(a.kind == AttemptClass::kAuth));
      st->bind(5, Flag(a.kind == AttemptClass::kQuota));
      st->bind(6, Flag(a.kind == AttemptClass::kServer));
      st->bind(7, Flag(a.kind == AttemptClass::kNetwork));
      st->bind(8, Flag(a.kind == AttemptClass::kOther));
      st->bind(9, static_cast<int64_t>(a.tokens_in));
      st->bind(10, static_cast<int64_t>(a.tokens_out));
      st->exec();
    }
    if (a.kind != AttemptClass::kSuccess) {
      ScopedStatement st = c.Use(kSetLastError);
      st->bind(1, fingerprint);
      st->bind(2, a.error.substr(0, kMaxLastErrorBytes));
      st->bind(3, static_cast<int64_t>(now));
      st->bind(4, a.request_id);
      st->exec();
    }
    if (a.latency_micros >= 0) {
      ScopedStatement st = c.Use(kCountLatency);
      st->bind(1, fingerprint);
      st->bind(2, LatencyBucket(a.latency_micros));
      st->exec();
    }
    tx.Commit();
  });
  if (!s.ok()) return s;
  return after;
}

Status KeyStore::SetDisabled(const std::string& fingerprint, bool disabled, const std::string& reason, int64_t now) {
  bool found = false;
  Status s = Run(disabled ? "disabling a key" : "enabling a key", [&](Connection& c) {
    WriteTransaction tx(c);
    ScopedStatement st = c.Use(kUpdateCondition);
    st->bind(1, fingerprint);
    st->bind(2, Flag(disabled));
    st->bind(3, disabled ? reason : std::string());
    st->bind(4, int64_t{0});
    st->bind(5, int64_t{0});
    st->bind(6, static_cast<int64_t>(now));
    st->exec();
    found = c.db().getChanges() > 0;
    tx.Commit();
  });
  if (!s.ok()) return s;
  if (!found) return NotFoundError("no key " + fingerprint + " is recorded in this state directory");
  return Status::Ok();
}

Result<std::vector<KeyHealth>> KeyStore::List(int64_t now) {
  std::vector<KeyHealth> keys;
  Status s = Run("listing keys", [&](Connection& c) {
    ReadTransaction tx(c);
    std::map<std::string, size_t> index;
    {
      ScopedStatement st = c.Use(kSelectAll);
      while (st->executeStep()) {
        KeyHealth h;
        int col = 0;
        h.fingerprint = st->getColumn(col++).getString();
        h.label = st->getColumn(col++).getString();
        h.group = st->getColumn(col++).getString();
        const bool disabled = st->getColumn(col++).getInt() != 0;
        h.disabled_reason = st->getColumn(col++).getString();
        h.cooldown_until_micros = st->getColumn(col++).getInt64();
        h.state = disabled ? KeyState::kDisabled
                           : (h.cooldown_until_micros > now ? KeyState::kCoolingDown : KeyState::kActive);
        h.requests = st->getColumn(col++).getInt64();
        h.successes = st->getColumn(col++).getInt64();
        h.http_429 = st->getColumn(col++).getInt64();
        h.auth_errors = st->getColumn(col++).getInt64();
        h.quota_errors = st->getColumn(col++).getInt64();
        h.server_errors = st->getColumn(col++).getInt64();
        h.network_errors = st->getColumn(col++).getInt64();
        h.other_errors = st->getColumn(col++).getInt64();
        h.tokens_in = st->getColumn(col++).getInt64();
        h.tokens_out = st->getColumn(col++).getInt64();
        h.last_error = st->getColumn(col++).getString();
        h.last_error_micros = st->getColumn(col++).getInt64();
        h.last_error_request_id = st->getColumn(col++).getString();
        h.success_rate = h.requests > 0 ? static_cast<double>(h.successes) / static_cast<double>(h.requests) : 0.0;
        index[h.fingerprint] = keys.size();
        keys.push_back(std::move(h));
      }
    }
    std::map<std::string, std::map<int, int64_t>> histograms;
    {
      ScopedStatement st = c.Use(kSelectLatency);
      while (st->executeStep())
        histograms[st->getColumn(0).getString()][st->getColumn(1).getInt()] += st->getColumn(2).getInt64();
    }
    for (auto& [fp, counts] : histograms) {
      auto it = index.find(fp);
      if (it == index.end()) continue;
      KeyHealth& h = keys[it->second];
      h.latency_p50 = std::chrono::milliseconds(LatencyQuantileMillis(counts, 0.50));
      h.latency_p90 = std::chrono::milliseconds(LatencyQuantileMillis(counts, 0.90));
      h.latency_p99 = std::chrono::milliseconds(LatencyQuantileMillis(counts, 0.99));
    }
    ScopedStatement leases = c.Use(kSelectAllLeases);
    while (leases->executeStep()) {
      auto it = index.find(leases->getColumn(1).getString());
      if (it == index.end()) continue;
      ProcessIdentity holder{static_cast<pid_t>(leases->getColumn(2).getInt()), leases->getColumn(3).getInt64()};
      if (IsAlive(holder)) ++keys[it->second].in_flight;
    }
  });
  if (!s.ok()) return s;
  return keys;
}

}  // namespace llmgate::internal
