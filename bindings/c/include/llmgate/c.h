/* The C API of llmgate, for programs (and foreign-function interfaces) that cannot use the
 * C++ one. It follows leveldb's c.h:
 *
 *  - Opaque handles made by *_create / llmgate_open and released by the matching
 *    *_destroy / llmgate_close. A handle is never NULL when the call succeeded.
 *  - Errors come back through a `char** errptr` last argument. Point it at a NULL char*;
 *    on success it stays NULL, on failure it receives a malloc'ed, NUL-terminated message
 *    (an earlier message still stored there is freed first). Free it with llmgate_free.
 *  - Everything the library allocates for the caller (strings, response bodies, JSON) is
 *    freed with llmgate_free. Pointers returned as `const char*` belong to their handle and
 *    stay valid until it is destroyed.
 *  - Byte strings that may hold any byte (request and response bodies) are passed with an
 *    explicit length; other strings are NUL-terminated UTF-8. Booleans are unsigned char.
 *  - Times are int64_t milliseconds (durations) or microseconds since the Unix epoch
 *    (instants, as the limiter keeps them).
 *
 * Error messages have the form "CODE_NAME: message", where CODE_NAME is one of the names
 * below without the LLMGATE_ prefix ("RESOURCE_EXHAUSTED: ..."); a throttling error ends
 * its message with " (retry after N ms)" and an HTTP failure with " [request ID]".
 * llmgate_error_code and llmgate_error_retry_after_ms read them back, so a caller can act
 * on the code without parsing text itself.
 *
 * Every function is safe to call from several threads at once on one llmgate_t, and
 * several processes share one state directory. Option and call-option handles are not
 * synchronized: set them up in one thread, then share them read-only (except
 * llmgate_calloptions_cancel, which any thread may call). */
#ifndef LLMGATE_C_H_
#define LLMGATE_C_H_

#include <stddef.h>
#include <stdint.h>

#include "llmgate/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Handles ---- */

typedef struct llmgate_t llmgate_t;                         /* an open gate */
typedef struct llmgate_options_t llmgate_options_t;         /* options for llmgate_open */
typedef struct llmgate_calloptions_t llmgate_calloptions_t; /* per-call settings */
typedef struct llmgate_response_t llmgate_response_t;       /* one API answer */
typedef struct llmgate_reservation_t llmgate_reservation_t; /* granted quota */

/* ---- Status codes (llmgate::StatusCode, same numbers) ---- */

typedef enum llmgate_code_t {
  LLMGATE_OK = 0,
  LLMGATE_CANCELLED = 1,           /* the caller cancelled */
  LLMGATE_INVALID_ARGUMENT = 2,    /* bad input: malformed JSON, bad limit spec; fix and resend */
  LLMGATE_NOT_FOUND = 3,
  LLMGATE_RESOURCE_EXHAUSTED = 4,  /* throttled: retry after llmgate_error_retry_after_ms */
  LLMGATE_QUOTA_EXHAUSTED = 5,     /* billing quota gone; retrying will not help */
  LLMGATE_REQUEST_TOO_LARGE = 6,   /* the cost exceeds a whole limit; it can never pass */
  LLMGATE_FAILED_PRECONDITION = 7, /* the environment is wrong (network filesystem, read-only) */
  LLMGATE_UNAUTHENTICATED = 8,     /* the API key is invalid or revoked */
  LLMGATE_PERMISSION_DENIED = 9,
  LLMGATE_UNAVAILABLE = 10,        /* transient (5xx, network, busy database); retry with backoff */
  LLMGATE_DEADLINE_EXCEEDED = 11,  /* the call's deadline passed (also: no quota before it) */
  LLMGATE_DATA_LOSS = 12,          /* a database is corrupt */
  LLMGATE_INTERNAL = 13
} llmgate_code_t;

/* The code an error message starts with; LLMGATE_OK for NULL, LLMGATE_INTERNAL for text
 * that is not an llmgate error. */
LLMGATE_EXPORT llmgate_code_t llmgate_error_code(const char* err);

/* For a throttling error: milliseconds until a retry can pass; -1 when unknown. */
LLMGATE_EXPORT int64_t llmgate_error_retry_after_ms(const char* err);

/* "RESOURCE_EXHAUSTED" for LLMGATE_RESOURCE_EXHAUSTED (a static string; never freed). */
LLMGATE_EXPORT const char* llmgate_code_name(llmgate_code_t code);

/* Frees anything the library returned to the caller (strings, bodies, error messages). */
LLMGATE_EXPORT void llmgate_free(void* ptr);

LLMGATE_EXPORT int llmgate_major_version(void);
LLMGATE_EXPORT int llmgate_minor_version(void);

/* ---- Options (llmgate::Options; every default as documented in options.h) ---- */

LLMGATE_EXPORT llmgate_options_t* llmgate_options_create(void);
LLMGATE_EXPORT void llmgate_options_destroy(llmgate_options_t* options);

/* Strings are copied; NULL or "" restores the default (environment variables included). */
LLMGATE_EXPORT void llmgate_options_set_state_dir(llmgate_options_t* options, const char* dir);
LLMGATE_EXPORT void llmgate_options_set_base_url(llmgate_options_t* options, const char* url);
LLMGATE_EXPORT void llmgate_options_set_api_key(llmgate_options_t* options, const char* key);
LLMGATE_EXPORT void llmgate_options_set_organization(llmgate_options_t* options, const char* organization);
LLMGATE_EXPORT void llmgate_options_set_project(llmgate_options_t* options, const char* project);
LLMGATE_EXPORT void llmgate_options_set_ca_file(llmgate_options_t* options, const char* path);
LLMGATE_EXPORT void llmgate_options_set_cache_namespace(llmgate_options_t* options, const char* ns);
LLMGATE_EXPORT void llmgate_options_set_default_scope(llmgate_options_t* options, const char* scope);
LLMGATE_EXPORT void llmgate_options_set_limits_file(llmgate_options_t* options, const char* path);

/* Configured limits in LLMGATE_LIMITS syntax ("rpm=500,tpm=200000,key:ab12/rpd=10000"),
 * replacing those of an earlier call; NULL or "" clears them. Parsed now: a bad spec sets
 * errptr (INVALID_ARGUMENT naming the offending token) and leaves the limits unchanged. */
LLMGATE_EXPORT void llmgate_options_set_limits(llmgate_options_t* options, const char* specs, char** errptr);
/* Default 1: read $LLMGATE_LIMITS when the gate opens. */
LLMGATE_EXPORT void llmgate_options_set_limits_from_env(llmgate_options_t* options, unsigned char v);

LLMGATE_EXPORT void llmgate_options_set_share_with_group(llmgate_options_t* options, unsigned char v);
/* Default 0 (synchronous=NORMAL); 1: synchronous=FULL, survives power loss. */
LLMGATE_EXPORT void llmgate_options_set_sync_full(llmgate_options_t* options, unsigned char v);
LLMGATE_EXPORT void llmgate_options_set_busy_timeout_ms(llmgate_options_t* options, int64_t ms);
LLMGATE_EXPORT void llmgate_options_set_cache_enabled(llmgate_options_t* options, unsigned char v);
LLMGATE_EXPORT void llmgate_options_set_cache_max_bytes(llmgate_options_t* options, int64_t bytes);
LLMGATE_EXPORT void llmgate_options_set_cache_default_ttl_s(llmgate_options_t* options, int64_t seconds);
/* Default 1: a call that misses while an identical call is under way waits for its answer. */
LLMGATE_EXPORT void llmgate_options_set_cache_single_flight(llmgate_options_t* options, unsigned char v);
LLMGATE_EXPORT void llmgate_options_set_max_attempts(llmgate_options_t* options, int attempts);
LLMGATE_EXPORT void llmgate_options_set_connect_timeout_ms(llmgate_options_t* options, int64_t ms);
LLMGATE_EXPORT void llmgate_options_set_request_timeout_ms(llmgate_options_t* options, int64_t ms);
LLMGATE_EXPORT void llmgate_options_set_call_timeout_ms(llmgate_options_t* options, int64_t ms);
LLMGATE_EXPORT void llmgate_options_set_verify_tls(llmgate_options_t* options, unsigned char v);
LLMGATE_EXPORT void llmgate_options_set_learn_limits(llmgate_options_t* options, unsigned char v);
LLMGATE_EXPORT void llmgate_options_set_default_completion_tokens(llmgate_options_t* options, int64_t tokens);
/* Azure OpenAI: "api-key" header and this api-version; NULL switches back to OpenAI style. */
LLMGATE_EXPORT void llmgate_options_set_azure(llmgate_options_t* options, const char* api_version);

/* Log levels of the log callback (llmgate::LogLevel). */
enum { LLMGATE_LOG_DEBUG = 0, LLMGATE_LOG_INFO = 1, LLMGATE_LOG_WARNING = 2, LLMGATE_LOG_ERROR = 3 };

/* Diagnostics at `min_level` and above go to `log` (from any thread; the message is valid
 * only during the call). Without a callback the library logs nothing. */
typedef void (*llmgate_log_fn)(void* state, int level, const char* message, size_t length);
LLMGATE_EXPORT void llmgate_options_set_log(llmgate_options_t* options, llmgate_log_fn log, void* state,
                                            int min_level);

/* Called before a blocking acquire waits for quota: which limit of which scope, how long. */
typedef void (*llmgate_wait_fn)(void* state, const char* scope, const char* limit_name, int64_t wait_ms);
LLMGATE_EXPORT void llmgate_options_set_on_wait(llmgate_options_t* options, llmgate_wait_fn on_wait, void* state);

/* Called before each retry of a call: the attempt that failed (1 = the first), the wait
 * before the next one and the error ("CODE_NAME: message"). */
typedef void (*llmgate_retry_fn)(void* state, int attempt, int64_t delay_ms, const char* error);
LLMGATE_EXPORT void llmgate_options_set_on_retry(llmgate_options_t* options, llmgate_retry_fn on_retry,
                                                 void* state);

/* ---- The gate ---- */

/* Opens (creating if needed) the state directory and its databases. The options may be
 * destroyed right after; the callbacks' state pointers must outlive the gate. */
LLMGATE_EXPORT llmgate_t* llmgate_open(const llmgate_options_t* options, char** errptr);
/* Writes what is pending and closes. Streams and calls still running must have ended. */
LLMGATE_EXPORT void llmgate_close(llmgate_t* gate);

/* The state directory in use (after defaults were resolved). */
LLMGATE_EXPORT const char* llmgate_state_dir(const llmgate_t* gate);

/* Counters as one JSON object: {"client": {calls, cache_hits, http_attempts, retries,
 * http_429, failures, prompt_tokens, completion_tokens, single_flight_waits} of this
 * process, "shared": {retries, http_429, failures, waits, wait_millis, single_flight_waits}
 * of every process, "cache": {as
 * llmgate_cache_stats}, "keys": [as llmgate_keys_list]}. Returns malloc'ed text (length
 * in *len when len is not NULL). */
LLMGATE_EXPORT char* llmgate_stats(llmgate_t* gate, size_t* len, char** errptr);

/* ---- Call options (llmgate::CallOptions) ---- */

LLMGATE_EXPORT llmgate_calloptions_t* llmgate_calloptions_create(void);
LLMGATE_EXPORT void llmgate_calloptions_destroy(llmgate_calloptions_t* options);
/* Deadline of the whole call (quota waits, attempts, waits between them); default
 * Options' call timeout. */
LLMGATE_EXPORT void llmgate_calloptions_set_timeout_ms(llmgate_calloptions_t* options, int64_t ms);
LLMGATE_EXPORT void llmgate_calloptions_set_max_attempts(llmgate_calloptions_t* options, int attempts);
LLMGATE_EXPORT void llmgate_calloptions_set_idempotency_key(llmgate_calloptions_t* options, const char* key);
/* Adds a header sent with the request (after llmgate's own, so it may override them). */
LLMGATE_EXPORT void llmgate_calloptions_add_header(llmgate_calloptions_t* options, const char* name,
                                                   const char* value);
/* Cache controls; they also apply to the llmgate_cache_* functions. */
LLMGATE_EXPORT void llmgate_calloptions_set_skip_cache_read(llmgate_calloptions_t* options, unsigned char v);
LLMGATE_EXPORT void llmgate_calloptions_set_skip_cache_write(llmgate_calloptions_t* options, unsigned char v);
/* Time to live of what is stored; 0 = never expires. Default: Options' default TTL. */
LLMGATE_EXPORT void llmgate_calloptions_set_cache_ttl_s(llmgate_calloptions_t* options, int64_t seconds);
LLMGATE_EXPORT void llmgate_calloptions_set_cache_namespace(llmgate_calloptions_t* options, const char* ns);
/* From any thread: every call using these options ends with CANCELLED (its quota is
 * refunded); calls started later with them end at once. Cannot be undone. */
LLMGATE_EXPORT void llmgate_calloptions_cancel(llmgate_calloptions_t* options);

/* ---- Calls: the JSON of the API in, the JSON of the API out ---- */
/* `options` may be NULL (defaults). Each returns NULL and sets errptr on failure. */

LLMGATE_EXPORT llmgate_response_t* llmgate_chat(llmgate_t* gate, const char* request, size_t request_len,
                                                const llmgate_calloptions_t* options, char** errptr);
LLMGATE_EXPORT llmgate_response_t* llmgate_embeddings(llmgate_t* gate, const char* request, size_t request_len,
                                                      const llmgate_calloptions_t* options, char** errptr);
/* POST /images/generations; its "n" counts against the images dimension (IPM). */
LLMGATE_EXPORT llmgate_response_t* llmgate_images(llmgate_t* gate, const char* request, size_t request_len,
                                                  const llmgate_calloptions_t* options, char** errptr);
LLMGATE_EXPORT llmgate_response_t* llmgate_responses(llmgate_t* gate, const char* request, size_t request_len,
                                                     const llmgate_calloptions_t* options, char** errptr);
/* Any other endpoint: `path` is relative to the base URL ("/files", "/models"); `body` may
 * be NULL (no body); `content_type` NULL means application/json. Not cached unless
 * `cacheable` (a POST whose answer depends only on its JSON body). */
LLMGATE_EXPORT llmgate_response_t* llmgate_request(llmgate_t* gate, const char* method, const char* path,
                                                   const char* body, size_t body_len, const char* content_type,
                                                   unsigned char cacheable, const llmgate_calloptions_t* options,
                                                   char** errptr);

/* Streams a chat completion: `on_chunk` gets each chat.completion.chunk JSON as it arrives
 * (valid only during the call; not NUL-terminated, use `length`) and returns nonzero to go
 * on, 0 to stop (the call then fails with CANCELLED). The response holds the assembled
 * chat.completion. A cache hit is replayed as chunks. */
typedef int (*llmgate_chunk_fn)(void* state, const char* chunk, size_t length);
LLMGATE_EXPORT llmgate_response_t* llmgate_chat_stream(llmgate_t* gate, const char* request, size_t request_len,
                                                       llmgate_chunk_fn on_chunk, void* state,
                                                       const llmgate_calloptions_t* options, char** errptr);

LLMGATE_EXPORT void llmgate_response_destroy(llmgate_response_t* response);
/* The JSON answer (for a stream, the assembled chat.completion); NUL-terminated too. */
LLMGATE_EXPORT const char* llmgate_response_body(const llmgate_response_t* response, size_t* len);
LLMGATE_EXPORT int llmgate_response_http_status(const llmgate_response_t* response); /* 200 for a cache hit */
LLMGATE_EXPORT unsigned char llmgate_response_from_cache(const llmgate_response_t* response);
LLMGATE_EXPORT const char* llmgate_response_request_id(const llmgate_response_t* response); /* "" for a hit */
LLMGATE_EXPORT const char* llmgate_response_key_label(const llmgate_response_t* response);  /* "sk-…abcd" */
LLMGATE_EXPORT int llmgate_response_attempts(const llmgate_response_t* response);
LLMGATE_EXPORT int64_t llmgate_response_prompt_tokens(const llmgate_response_t* response);
LLMGATE_EXPORT int64_t llmgate_response_completion_tokens(const llmgate_response_t* response);
LLMGATE_EXPORT int64_t llmgate_response_total_tokens(const llmgate_response_t* response);
LLMGATE_EXPORT int64_t llmgate_response_images(const llmgate_response_t* response);
/* The first header of that name (case-insensitive), or NULL. */
LLMGATE_EXPORT const char* llmgate_response_header(const llmgate_response_t* response, const char* name);

/* ---- The response cache (a request is its endpoint path and JSON body) ---- */

/* The stored response (malloc'ed, length in *value_len, NUL-terminated too), or NULL on a
 * miss; errptr tells a miss (NULL) from a failure. */
LLMGATE_EXPORT char* llmgate_cache_get(llmgate_t* gate, const char* path, const char* request, size_t request_len,
                                       const llmgate_calloptions_t* options, size_t* value_len, char** errptr);
LLMGATE_EXPORT void llmgate_cache_put(llmgate_t* gate, const char* path, const char* request, size_t request_len,
                                      const char* response, size_t response_len,
                                      const llmgate_calloptions_t* options, char** errptr);
LLMGATE_EXPORT void llmgate_cache_invalidate(llmgate_t* gate, const char* path, const char* request,
                                             size_t request_len, const llmgate_calloptions_t* options,
                                             char** errptr);
/* Removes every entry (cache_namespace NULL) or those of one namespace; returns how many. */
LLMGATE_EXPORT int64_t llmgate_cache_purge(llmgate_t* gate, const char* cache_namespace, char** errptr);
LLMGATE_EXPORT int64_t llmgate_cache_remove_expired(llmgate_t* gate, char** errptr);
LLMGATE_EXPORT void llmgate_cache_flush(llmgate_t* gate, char** errptr);
/* {"entries", "bytes", "hits", "misses", "tokens_saved", "evictions", "expirations",
 * "errors", "rebuilds"} as a malloc'ed JSON object. */
LLMGATE_EXPORT char* llmgate_cache_stats(llmgate_t* gate, size_t* len, char** errptr);

/* ---- The rate limiter ---- */
/* A request draws `amounts[i]` of `dimensions[i]` ("requests", "tokens", "images" or your
 * own) from every one of `scopes` ("global", "key:…", "model:gpt-4o", ...). */

/* Blocking: books the earliest slot within `timeout_ms` (<= 0: Options' default of 10 min)
 * and sleeps until it starts. DEADLINE_EXCEEDED when none comes in time, REQUEST_TOO_LARGE
 * when the cost exceeds a whole limit. */
LLMGATE_EXPORT llmgate_reservation_t* llmgate_limiter_acquire(llmgate_t* gate, const char* const* scopes,
                                                              size_t num_scopes, const char* const* dimensions,
                                                              const int64_t* amounts, size_t num_costs,
                                                              int64_t timeout_ms, char** errptr);
/* Non-blocking: a reservation starting now (or within `max_wait_ms`), or NULL with errptr
 * still NULL when denied (a normal outcome). Then *retry_after_ms (if not NULL) says when it
 * could pass and *denied_by (if not NULL) receives the limit that stopped it as a
 * malloc'ed "scope/name" string ("global/rpm"; name "block" for a held scope). */
LLMGATE_EXPORT llmgate_reservation_t* llmgate_limiter_try_acquire(llmgate_t* gate, const char* const* scopes,
                                                                  size_t num_scopes, const char* const* dimensions,
                                                                  const int64_t* amounts, size_t num_costs,
                                                                  int64_t max_wait_ms, int64_t* retry_after_ms,
                                                                  char** denied_by, char** errptr);
/* Charges or refunds the difference to the actual cost; the reservation then holds the
 * actual cost (for a further reconcile). Dimensions not named keep their reserved amount. */
LLMGATE_EXPORT void llmgate_limiter_reconcile(llmgate_t* gate, llmgate_reservation_t* reservation,
                                              const char* const* dimensions, const int64_t* amounts,
                                              size_t num_costs, char** errptr);
/* Refunds a request that never went out. */
LLMGATE_EXPORT void llmgate_limiter_cancel(llmgate_t* gate, const llmgate_reservation_t* reservation,
                                           char** errptr);
/* Every limit of `scope` (NULL or "" = of every scope) with its usage, as a malloc'ed JSON
 * array of {"scope", "dimension", "name", "limit", "window_ms", "burst", "kind"
 * ("rolling"|"calendar"), "calendar_offset_ms", "source" ("configured"|"learned"), "used",
 * "remaining", "reset_micros"}. A rolling limit's usage refills continuously. */
LLMGATE_EXPORT char* llmgate_limiter_usage(llmgate_t* gate, const char* scope, size_t* len, char** errptr);
/* Stores limits for every process (LLMGATE_LIMITS syntax; a spec without a scope gets the
 * gate's default scope). */
LLMGATE_EXPORT void llmgate_limiter_set_limits(llmgate_t* gate, const char* specs, char** errptr);
/* Holds `scope` for every process until `until_micros` (wall clock). */
LLMGATE_EXPORT void llmgate_limiter_block(llmgate_t* gate, const char* scope, int64_t until_micros,
                                          char** errptr);

LLMGATE_EXPORT void llmgate_reservation_destroy(llmgate_reservation_t* reservation);
/* When the caller may start (µs since the epoch; in the future for a slot booked ahead). */
LLMGATE_EXPORT int64_t llmgate_reservation_start_micros(const llmgate_reservation_t* reservation);

/* ---- The key pool (llmgate::KeyPool; README "Key pool") ----
 * A gate spreads its calls over several API keys and steps around throttled or broken ones,
 * the same way in every process of the state directory. A process calls only with the keys
 * it was given; what is known about each key is shared by fingerprint ("key:" + 16 hex
 * digits) and shown by label ("sk-…abcd" unless given). No function here ever returns a key.
 *
 * A key is described by the same arguments wherever it is added: `key` (required), then
 * `label`, `base_url`, `organization` and `project` (NULL or "" for the gate's), and
 * `limits_spec`: limits of this key alone in LLMGATE_LIMITS syntax without scopes
 * ("rpm=500,tpm=30000"; they apply to the key's scope), NULL or "" for none. An empty key,
 * a bad spec or a spec naming a scope sets errptr (INVALID_ARGUMENT). */

typedef enum llmgate_key_policy_t {
  LLMGATE_KEY_POLICY_MOST_HEADROOM = 0, /* default: most quota left, then fewest in flight */
  LLMGATE_KEY_POLICY_ROUND_ROBIN = 1    /* each key in turn (per process), skipping unavailable ones */
} llmgate_key_policy_t;

/* Adds a key to the options' keys (Options::keys), after those of earlier calls; the pool
 * also holds the api_key, the key file's keys and, unless turned off, $OPENAI_API_KEYS and
 * $OPENAI_API_KEY (each key once). On error the options are unchanged. */
LLMGATE_EXPORT void llmgate_options_add_key(llmgate_options_t* options, const char* key, const char* label,
                                            const char* base_url, const char* organization, const char* project,
                                            const char* limits_spec, char** errptr);
/* A file of keys, one a line with optional label=, org=, project=, base_url=, limits=
 * fields; NULL or "" restores the default ($LLMGATE_KEYS_FILE). Read when the gate opens. */
LLMGATE_EXPORT void llmgate_options_set_keys_file(llmgate_options_t* options, const char* path);
/* Default 1: add $OPENAI_API_KEYS (comma-separated) and $OPENAI_API_KEY. */
LLMGATE_EXPORT void llmgate_options_set_keys_from_env(llmgate_options_t* options, unsigned char v);
LLMGATE_EXPORT void llmgate_options_set_key_policy(llmgate_options_t* options, llmgate_key_policy_t policy);
/* Default 0 (no cap): requests in flight per key across every process. */
LLMGATE_EXPORT void llmgate_options_set_key_max_in_flight(llmgate_options_t* options, int max_in_flight);
/* Defaults 3 and 30000 ms: after this many 5xx or network failures in a row, a key cools
 * down this long (for every process). */
LLMGATE_EXPORT void llmgate_options_set_key_failure_threshold(llmgate_options_t* options, int failures);
LLMGATE_EXPORT void llmgate_options_set_key_failure_cooldown_ms(llmgate_options_t* options, int64_t ms);

/* Adds a key to the open gate's pool for this process's calls (and records it for every
 * process). Adding a key twice is a no-op. */
LLMGATE_EXPORT void llmgate_keys_add(llmgate_t* gate, const char* key, const char* label, const char* base_url,
                                     const char* organization, const char* project, const char* limits_spec,
                                     char** errptr);

/* Every key recorded in the state directory (by any process), by label, as a malloc'ed
 * JSON array of objects:
 *   {"fingerprint", "label", "group" ("org:…"/"project:…", "" while unknown),
 *    "state" ("active"|"cooling_down"|"disabled"), "disabled_reason" ("invalid_api_key",
 *    "insufficient_quota", the reason given to llmgate_keys_disable, ...),
 *    "cooldown_until_micros", "in_flight", "requests", "successes", "http_429",
 *    "auth_errors", "quota_errors", "server_errors", "network_errors", "other_errors",
 *    "tokens_in", "tokens_out", "success_rate" (0 to 1), "latency_p50_ms",
 *    "latency_p90_ms", "latency_p99_ms", "last_error", "last_error_micros",
 *    "last_error_request_id"}. */
LLMGATE_EXPORT char* llmgate_keys_list(llmgate_t* gate, size_t* len, char** errptr);
/* One key, named by fingerprint ("key:…") or label, as one such object; NOT_FOUND when no
 * key has that name, INVALID_ARGUMENT when several keys share the label. */
LLMGATE_EXPORT char* llmgate_keys_health(llmgate_t* gate, const char* key, size_t* len, char** errptr);
/* Disables a key (fingerprint or label) for every process until enabled, persisted;
 * `reason` NULL or "" records "disabled by hand". Enabling also clears a cool-down and the
 * count of failures in a row. */
LLMGATE_EXPORT void llmgate_keys_disable(llmgate_t* gate, const char* key, const char* reason, char** errptr);
LLMGATE_EXPORT void llmgate_keys_enable(llmgate_t* gate, const char* key, char** errptr);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LLMGATE_C_H_ */
