// Options for opening a Gate. Every field documents its default; a default-constructed
// Options works for a single user on a local disk.
#ifndef LLMGATE_OPTIONS_H_
#define LLMGATE_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <vector>

#include "llmgate/clock.h"
#include "llmgate/limiter.h"
#include "llmgate/log.h"

namespace llmgate {

enum class SyncMode {
  kNormal,  // WAL + synchronous=NORMAL: survives process crashes; an OS crash may drop the last commits
  kFull,    // synchronous=FULL: survives power loss too, at the cost of an fsync per commit
};

struct Options {
  // ---- State directory and files ----

  // Directory holding cache.db and quota.db, shared by every process that uses the gate.
  // Default "": $LLMGATE_DIR, else $XDG_STATE_HOME/llmgate, else ~/.local/state/llmgate.
  // Created (with parents) if missing. Must be on a local filesystem.
  std::string state_dir;

  // Default false: new files are 0600 and a new directory 0700 (this user only).
  // true: 0660 / 0770 so processes of several users in one group can share the state.
  bool share_with_group = false;

  // Default kNormal. See SyncMode.
  SyncMode sync = SyncMode::kNormal;

  // Default 5 s: how long one statement waits for another process's lock before it
  // fails with kUnavailable. Waits are bounded; nothing blocks forever.
  std::chrono::milliseconds busy_timeout{5000};

  // Default false. SQLite releases before 3.51.3 can corrupt a WAL database when two
  // connections checkpoint and write at the same moment, so on those releases automatic
  // checkpoints are off and llmgate checkpoints itself (one process at a time, in a mode
  // that blocks writers). true forces that mode on every SQLite release.
  bool force_manual_checkpoint = false;

  // Default 1000 pages (about 4 MiB): WAL size past which a committing process checkpoints.
  int64_t wal_checkpoint_pages = 1000;

  // ---- Response cache ----

  // Default true. false: every lookup misses and nothing is stored.
  bool cache_enabled = true;

  // Default "https://api.openai.com/v1": the API this gate talks to. The cache namespace
  // defaults to it, so answers of different servers never mix.
  std::string base_url = "https://api.openai.com/v1";

  // Default "" (use base_url): the namespace every cache key starts with.
  std::string cache_namespace;

  // Default 1 GiB: size cap of cache.db's entries (request + response bytes). When an
  // insert passes it, the entries read least recently are evicted. 0 = no cap.
  int64_t cache_max_bytes = int64_t{1} << 30;

  // Default 0 (never expires): time to live of a stored response when a put names none.
  std::chrono::seconds cache_default_ttl{0};

  // Default false. true: runs of white space in message text are collapsed to one space
  // and trimmed before hashing, so prompts that differ only in spacing share an entry.
  bool cache_normalize_whitespace = false;

  // Defaults 1 s / 256: a hit never writes on its own. Access times and hit counters are
  // kept in memory and written in one transaction every interval or every batch hits,
  // whichever comes first (and when the gate closes).
  std::chrono::milliseconds cache_flush_interval{1000};
  int cache_flush_batch = 256;

  // Default 60 s: an entry's last-access time (which decides what the size cap evicts)
  // is recorded at most once per this interval, so hot entries cost no writes.
  std::chrono::seconds cache_access_granularity{60};

  // ---- Rate limits ----

  // Default empty. Limits stored as configured when the gate opens, in addition to those of
  // $LLMGATE_LIMITS and the limits file.
  std::vector<Limit> limits;

  // Default true: read $LLMGATE_LIMITS ("rpm=500,tpm=200000,key:ab12/rpd=10000", see the
  // README) when the gate opens.
  bool limits_from_env = true;

  // Default "" ($LLMGATE_LIMITS_FILE if set): a file of limit specs, one per line.
  std::string limits_file;

  // Default "global": the scope of limits that name none.
  std::string default_scope = "global";

  // Default empty: called whenever a blocking acquire waits for quota.
  WaitCallback on_wait;

  // ---- Diagnostics ----

  // Default empty: the library logs nothing. Called from any thread.
  LogSink log_sink;

  // Default kInfo: messages below this level are not formatted or sent.
  LogLevel log_level = LogLevel::kInfo;

  // Default nullptr (SystemClock()). Tests inject a fake clock here.
  std::shared_ptr<Clock> clock;
};

}  // namespace llmgate

#endif  // LLMGATE_OPTIONS_H_
