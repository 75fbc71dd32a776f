// Options for opening a Gate. Every field documents its default; a default-constructed
// Options works for a single user on a local disk.
#ifndef LLMGATE_OPTIONS_H_
#define LLMGATE_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <vector>

#include "llmgate/client.h"
#include "llmgate/clock.h"
#include "llmgate/keys.h"
#include "llmgate/limiter.h"
#include "llmgate/log.h"
#include "llmgate/tokenizer.h"

namespace llmgate {

enum class SyncMode {
  kNormal,  // WAL + synchronous=NORMAL: survives process crashes; an OS crash may drop the last commits
  kFull,    // synchronous=FULL: survives power loss too, at the cost of an fsync per commit
};

enum class ApiStyle {
  kOpenAI,  // OpenAI and compatible servers (vLLM, llama.cpp, proxies)
  kAzure,   // Azure OpenAI: api-key header and api-version query parameter
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

  // Default "": $OPENAI_BASE_URL, else "https://api.openai.com/v1". The API this gate
  // talks to; the cache namespace defaults to it, so answers of different servers never mix.
  std::string base_url;

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

  // Default true: single-flight. A call that misses the cache while an identical call
  // (same cache key) is under way in any process of the state directory waits for it and
  // answers from the cache, so identical prompts sent at once cost one API call. If the
  // first call stores nothing (it failed), each waiting call goes on by itself. Streams and
  // calls with CacheControl::skip_read or skip_write neither wait nor make others wait.
  // false: every miss calls the API.
  bool cache_single_flight = true;

  // Defaults 1 s / 256: a hit never writes on its own. Access times and hit counters are
  // kept in memory and written in one transaction every interval or every batch hits,
  // whichever comes first (and when the gate closes).
  std::chrono::milliseconds cache_flush_interval{1000};
  int cache_flush_batch = 256;

  // Default 60 s: an entry's last-access time (which decides what the size cap evicts)
  // is recorded at most once per this interval, so hot entries cost no writes. Each entry
  // waits up to a quarter longer (fixed per entry), so entries read together do not all
  // come due in the same second.
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

  // ---- API client ----

  // Default "": $OPENAI_API_KEY. Keys are never stored, logged or put in error messages;
  // llmgate names a key by fingerprint and label ("sk-…abcd"). See also the key pool below.
  std::string api_key;

  // Default "": $OPENAI_ORG_ID / $OPENAI_PROJECT_ID. Sent as OpenAI-Organization /
  // OpenAI-Project, and they name the key group whose limits the key draws from.
  std::string organization;
  std::string project;

  // Default kOpenAI: "Authorization: Bearer KEY". kAzure: "api-key: KEY" and the
  // api-version query parameter (base_url then names the deployment:
  // "https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT").
  ApiStyle api_style = ApiStyle::kOpenAI;
  // Default "": $OPENAI_API_VERSION. Azure's api-version (required with kAzure).
  std::string azure_api_version;

  // Default 10 s: time to establish a connection (TCP and TLS).
  std::chrono::milliseconds connect_timeout{10'000};
  // Default 10 min (openai-python's): time of one HTTP attempt, body included.
  std::chrono::milliseconds request_timeout{600'000};
  // Default 10 min: deadline of a whole call (quota waits, attempts and the waits between
  // them); CallOptions::timeout overrides it per call.
  std::chrono::milliseconds call_timeout{600'000};
  // Default 3 (openai-python's max_retries = 2): HTTP attempts per call, the first included.
  int max_attempts = 3;

  // Default true: the server's certificate is verified. Turning it off is for tests only.
  bool verify_tls = true;
  // Default "": the system's CA bundle. A PEM file of CAs to trust instead (a private CA).
  std::string ca_file;
  // Proxies: libcurl reads $https_proxy, $http_proxy, $all_proxy and $no_proxy itself.

  // Default empty: called before each retry of a call.
  RetryCallback on_retry;

  // Default nullptr: prompt tokens are estimated by the heuristic in the README.
  std::shared_ptr<Tokenizer> tokenizer;
  // Default 1024: completion tokens reserved for a request that names no max_tokens
  // (max_completion_tokens, max_output_tokens); reconciled with the answer's usage.
  int64_t default_completion_tokens = 1024;

  // Default true: the server's x-ratelimit-limit-* headers define the requests and tokens
  // per minute of the key group x model, stored for every process (configured limits win).
  bool learn_limits = true;

  // ---- Key pool (keys.h) ----

  // Default empty: more keys. The pool holds api_key, these, the keys of keys_file and, when
  // keys_from_env, $OPENAI_API_KEYS (comma-separated) and $OPENAI_API_KEY; each key once.
  std::vector<ApiKeySpec> keys;
  // Default "" ($LLMGATE_KEYS_FILE if set): a file of keys, one a line (README: "Key pool").
  // A file others can read gets a warning.
  std::string keys_file;
  // Default true: read $OPENAI_API_KEYS and $OPENAI_API_KEY.
  bool keys_from_env = true;
  // Default kMostHeadroom.
  KeyPolicy key_policy = KeyPolicy::kMostHeadroom;
  // Default 0 (no cap): requests in flight per key across every process, held as leases that
  // are reclaimed when their process dies.
  int key_max_in_flight = 0;
  // Defaults 3 / 30 s: after this many 5xx or network failures in a row, a key cools down this
  // long (for every process).
  int key_failure_threshold = 3;
  std::chrono::milliseconds key_failure_cooldown{30'000};

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
