/* The C API end to end, in plain C11: options, the cache, the limiter, calls and streams
 * against the mock server, errors, stats, the key pool.
 *
 * Usage: c_api_test PATH_TO_MOCK_OPENAI
 * The mock is started by its command-line protocol (tests/mock_openai/README.md): a free
 * port written to a port file, and --watch-parent so a crashed test leaves no server. */
#define _POSIX_C_SOURCE 200809L

#include <llmgate/c.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                        \
    }                                                                    \
  } while (0)

/* An error that must not happen: report it and stop, later checks would only cascade. */
#define CHECK_NO_ERROR(err)                                                   \
  do {                                                                        \
    if ((err) != NULL) {                                                      \
      fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, __LINE__, (err)); \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

/* Checks that `err` holds an error of `code`, then clears it for the next call. */
static void expect_error(char** err, llmgate_code_t code, int line) {
  if (*err == NULL) {
    fprintf(stderr, "c_api_test.c:%d: expected %s, got success\n", line, llmgate_code_name(code));
    failures++;
    return;
  }
  if (llmgate_error_code(*err) != code) {
    fprintf(stderr, "c_api_test.c:%d: expected %s, got: %s\n", line, llmgate_code_name(code), *err);
    failures++;
  }
  llmgate_free(*err);
  *err = NULL;
}
#define EXPECT_ERROR(err, code) expect_error(&(err), (code), __LINE__)

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* ---- The mock server ---- */

static pid_t mock_pid = -1;

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

/* Starts the mock and returns its port. */
static int start_mock(const char* binary, const char* dir) {
  char port_file[600], config_file[600];
  snprintf(port_file, sizeof port_file, "%s/port", dir);
  snprintf(config_file, sizeof config_file, "%s/mock.json", dir);
  write_file(config_file,
             "{\"accept_any_key\": true,"
             " \"keys\": [{\"key\": \"sk-test-revoked\", \"status\": \"invalid\"}],"
             " \"faults\": {\"stream_chunk_delay_ms\": 5}}");
  mock_pid = fork();
  if (mock_pid < 0) {
    perror("fork");
    exit(1);
  }
  if (mock_pid == 0) {
    execl(binary, binary, "--port", "0", "--port-file", port_file, "--config", config_file, "--watch-parent",
          (char*)NULL);
    perror(binary);
    _exit(127);
  }
  for (int i = 0; i < 1000; i++) { /* up to 10 s on a loaded machine */
    FILE* f = fopen(port_file, "r");
    if (f != NULL) {
      int port = 0;
      int n = fscanf(f, "%d", &port);
      fclose(f);
      if (n == 1 && port > 0) return port;
    }
    int status;
    if (waitpid(mock_pid, &status, WNOHANG) == mock_pid) {
      fprintf(stderr, "mock_openai exited early (status %d)\n", status);
      exit(1);
    }
    sleep_ms(10);
  }
  fprintf(stderr, "mock_openai did not write its port\n");
  exit(1);
}

static void stop_mock(void) {
  if (mock_pid <= 0) return;
  kill(mock_pid, SIGTERM);
  int status = 0;
  waitpid(mock_pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  mock_pid = -1;
}

/* ---- Callbacks ---- */

static int log_lines = 0;
static void count_log(void* state, int level, const char* message, size_t length) {
  (void)state;
  (void)level;
  CHECK(message[length] == '\0');
  log_lines++;
}

struct chunks {
  int count;
  int stop_after; /* 0 = never stop */
  size_t bytes;
};

static int on_chunk(void* state, const char* chunk, size_t length) {
  struct chunks* c = state;
  c->count++;
  c->bytes += length;
  CHECK(length > 0 && chunk[0] == '{');
  return c->stop_after == 0 || c->count < c->stop_after;
}

/* ---- The tests ---- */

static const char* kChat = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";

static void test_errors_read_back(void) {
  CHECK(llmgate_error_code(NULL) == LLMGATE_OK);
  CHECK(llmgate_error_code("RESOURCE_EXHAUSTED: rpm (retry after 1200 ms)") == LLMGATE_RESOURCE_EXHAUSTED);
  CHECK(llmgate_error_code("not an llmgate error") == LLMGATE_INTERNAL);
  CHECK(llmgate_error_retry_after_ms("RESOURCE_EXHAUSTED: x (retry after 1200 ms) [request req_1]") == 1200);
  CHECK(llmgate_error_retry_after_ms("UNAVAILABLE: down") == -1);
  CHECK(strcmp(llmgate_code_name(LLMGATE_QUOTA_EXHAUSTED), "QUOTA_EXHAUSTED") == 0);
  CHECK(llmgate_major_version() >= 0 && llmgate_minor_version() >= 0);
}

static void test_cache(llmgate_t* gate) {
  char* err = NULL;
  size_t len = 0;
  const char* path = "/chat/completions";
  const char* answer = "{\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"usage\":{\"total_tokens\":5}}";

  char* value = llmgate_cache_get(gate, path, kChat, strlen(kChat), NULL, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(value == NULL); /* a miss is NULL without an error */

  llmgate_cache_put(gate, path, kChat, strlen(kChat), answer, strlen(answer), NULL, &err);
  CHECK_NO_ERROR(err);
  value = llmgate_cache_get(gate, path, kChat, strlen(kChat), NULL, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(value != NULL && len == strlen(answer) && memcmp(value, answer, len) == 0 && value[len] == '\0');
  llmgate_free(value);

  /* Cache controls through call options: skip_read misses although the entry exists. */
  llmgate_calloptions_t* skip = llmgate_calloptions_create();
  llmgate_calloptions_set_skip_cache_read(skip, 1);
  value = llmgate_cache_get(gate, path, kChat, strlen(kChat), skip, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(value == NULL);
  llmgate_calloptions_destroy(skip);

  /* Not JSON: INVALID_ARGUMENT through errptr. */
  value = llmgate_cache_get(gate, path, "{not json", 9, NULL, &len, &err);
  CHECK(value == NULL);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);

  char* stats = llmgate_cache_stats(gate, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(stats != NULL && strlen(stats) == len);
  CHECK(strstr(stats, "\"entries\":1") != NULL);
  CHECK(strstr(stats, "\"hits\":1") != NULL);
  llmgate_free(stats);

  CHECK(llmgate_cache_purge(gate, NULL, &err) == 1);
  CHECK_NO_ERROR(err);
  value = llmgate_cache_get(gate, path, kChat, strlen(kChat), NULL, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(value == NULL);
  llmgate_cache_flush(gate, &err);
  CHECK_NO_ERROR(err);
  CHECK(llmgate_cache_remove_expired(gate, &err) == 0);
  CHECK_NO_ERROR(err);
}

static void test_limiter(llmgate_t* gate) {
  char* err = NULL;
  /* Daily limits: a rolling limit's usage refills continuously, and one unit of these takes
   * minutes to come back, so the figures read below stay exact on a slow machine. */
  llmgate_limiter_set_limits(gate, "c-usage/rpd=100,c-usage/tpd=1000", &err);
  CHECK_NO_ERROR(err);
  const char* scopes[] = {"c-usage"};
  const char* dims[] = {"requests", "tokens"};
  int64_t cost[] = {1, 100};

  llmgate_reservation_t* r = llmgate_limiter_acquire(gate, scopes, 1, dims, cost, 2, 5000, &err);
  CHECK_NO_ERROR(err);
  CHECK(r != NULL && llmgate_reservation_start_micros(r) > 0);
  const char* tokens[] = {"tokens"};
  int64_t actual[] = {40};
  llmgate_limiter_reconcile(gate, r, tokens, actual, 1, &err);
  CHECK_NO_ERROR(err);

  size_t len = 0;
  char* usage = llmgate_limiter_usage(gate, "c-usage", &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(usage != NULL && usage[0] == '[' && strlen(usage) == len);
  CHECK(strstr(usage, "\"name\":\"rpd\",\"limit\":100,") != NULL);
  CHECK(strstr(usage, "\"used\":1,") != NULL);  /* rpd: the one request */
  CHECK(strstr(usage, "\"used\":40,") != NULL); /* tpd: reconciled to the actual 40 */
  llmgate_free(usage);
  llmgate_reservation_destroy(r);

  /* The limits the options configured apply to the default scope. */
  usage = llmgate_limiter_usage(gate, NULL, NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(strstr(usage, "{\"scope\":\"global\",\"dimension\":\"requests\",\"name\":\"rpm\",\"limit\":1000,") != NULL);
  llmgate_free(usage);

  /* A scope of its own with one request a day: the second try is denied, not an error. */
  llmgate_limiter_set_limits(gate, "c-test/rpd=1", &err);
  CHECK_NO_ERROR(err);
  const char* scope[] = {"c-test"};
  const char* req[] = {"requests"};
  int64_t one[] = {1};
  r = llmgate_limiter_try_acquire(gate, scope, 1, req, one, 1, 0, NULL, NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(r != NULL);
  int64_t retry_after = -1;
  char* denied_by = NULL;
  llmgate_reservation_t* denied = llmgate_limiter_try_acquire(gate, scope, 1, req, one, 1, 0, &retry_after,
                                                              &denied_by, &err);
  CHECK_NO_ERROR(err);
  CHECK(denied == NULL);
  CHECK(retry_after > 60 * 60 * 1000); /* a day's request comes back after hours */
  CHECK(denied_by != NULL && strcmp(denied_by, "c-test/rpd") == 0);
  llmgate_free(denied_by);

  /* Blocking with a short timeout: DEADLINE_EXCEEDED saying when it could pass. */
  denied = llmgate_limiter_acquire(gate, scope, 1, req, one, 1, 20, &err);
  CHECK(denied == NULL);
  CHECK(llmgate_error_retry_after_ms(err) > 60 * 60 * 1000);
  EXPECT_ERROR(err, LLMGATE_DEADLINE_EXCEEDED);

  /* More than the whole limit can never pass. */
  int64_t five[] = {5};
  denied = llmgate_limiter_try_acquire(gate, scope, 1, req, five, 1, 0, NULL, NULL, &err);
  CHECK(denied == NULL);
  EXPECT_ERROR(err, LLMGATE_REQUEST_TOO_LARGE);

  /* Cancel refunds: the slot is free again. */
  llmgate_limiter_cancel(gate, r, &err);
  CHECK_NO_ERROR(err);
  llmgate_reservation_destroy(r);
  r = llmgate_limiter_try_acquire(gate, scope, 1, req, one, 1, 0, NULL, NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(r != NULL);
  llmgate_reservation_destroy(r);

  llmgate_limiter_set_limits(gate, "rpm=", &err);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  llmgate_limiter_block(gate, "blocked-scope", 1, &err); /* a block in the past holds nothing */
  CHECK_NO_ERROR(err);
}

static void test_chat(llmgate_t* gate) {
  char* err = NULL;
  llmgate_response_t* r = llmgate_chat(gate, kChat, strlen(kChat), NULL, &err);
  CHECK_NO_ERROR(err);
  size_t len = 0;
  const char* body = llmgate_response_body(r, &len);
  CHECK(strlen(body) == len && strstr(body, "Echo: hello world") != NULL);
  CHECK(llmgate_response_http_status(r) == 200);
  CHECK(!llmgate_response_from_cache(r));
  CHECK(llmgate_response_attempts(r) == 1);
  CHECK(llmgate_response_prompt_tokens(r) == 7 && llmgate_response_completion_tokens(r) == 3);
  CHECK(llmgate_response_total_tokens(r) == 10 && llmgate_response_images(r) == 0);
  CHECK(strncmp(llmgate_response_request_id(r), "req_", 4) == 0);
  const char* id = llmgate_response_header(r, "X-Request-Id");
  CHECK(id != NULL && strcmp(id, llmgate_response_request_id(r)) == 0);
  CHECK(llmgate_response_header(r, "x-no-such-header") == NULL);
  CHECK(strlen(llmgate_response_key_label(r)) > 0);
  llmgate_response_destroy(r);

  /* The same request again is a cache hit. */
  r = llmgate_chat(gate, kChat, strlen(kChat), NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(llmgate_response_from_cache(r) && llmgate_response_http_status(r) == 200);
  llmgate_response_destroy(r);

  /* Call options: extra headers, attempts, a timeout, skipping the cache. */
  llmgate_calloptions_t* opts = llmgate_calloptions_create();
  llmgate_calloptions_set_skip_cache_read(opts, 1);
  llmgate_calloptions_set_max_attempts(opts, 1);
  llmgate_calloptions_set_timeout_ms(opts, 30000);
  llmgate_calloptions_set_idempotency_key(opts, "c-test-1");
  llmgate_calloptions_add_header(opts, "X-Test", "c");
  r = llmgate_chat(gate, kChat, strlen(kChat), opts, &err);
  CHECK_NO_ERROR(err);
  CHECK(!llmgate_response_from_cache(r));
  llmgate_response_destroy(r);

  /* A cancelled call ends at once with CANCELLED. */
  llmgate_calloptions_cancel(opts);
  r = llmgate_chat(gate, kChat, strlen(kChat), opts, &err);
  CHECK(r == NULL);
  EXPECT_ERROR(err, LLMGATE_CANCELLED);
  llmgate_calloptions_destroy(opts);

  const char* embed = "{\"model\":\"text-embedding-3-small\",\"input\":\"some words\"}";
  r = llmgate_embeddings(gate, embed, strlen(embed), NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(strstr(llmgate_response_body(r, NULL), "\"embedding\"") != NULL);
  llmgate_response_destroy(r);

  const char* image = "{\"model\":\"dall-e-3\",\"prompt\":\"a cat\",\"n\":2}";
  r = llmgate_images(gate, image, strlen(image), NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(llmgate_response_images(r) == 2);
  llmgate_response_destroy(r);

  const char* resp = "{\"model\":\"gpt-4o-mini\",\"input\":\"hello there\"}";
  r = llmgate_responses(gate, resp, strlen(resp), NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(strstr(llmgate_response_body(r, NULL), "Echo: hello there") != NULL);
  llmgate_response_destroy(r);

  r = llmgate_request(gate, "GET", "/models", NULL, 0, NULL, 0, NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(strstr(llmgate_response_body(r, NULL), "\"list\"") != NULL);
  llmgate_response_destroy(r);

  /* Errors: a body that is not JSON never leaves; a 400 from the server. */
  r = llmgate_chat(gate, "{oops", 5, NULL, &err);
  CHECK(r == NULL);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  const char* no_messages = "{\"model\":\"gpt-4o-mini\"}";
  r = llmgate_chat(gate, no_messages, strlen(no_messages), NULL, &err);
  CHECK(r == NULL);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
}

static void test_stream(llmgate_t* gate) {
  char* err = NULL;
  const char* req = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"stream me a few words\"}]}";
  struct chunks c = {0, 0, 0};
  llmgate_response_t* r = llmgate_chat_stream(gate, req, strlen(req), on_chunk, &c, NULL, &err);
  CHECK_NO_ERROR(err);
  /* The role chunk, one per word ("Echo:" and 5 words), the finish chunk. */
  CHECK(c.count == 8);
  CHECK(strstr(llmgate_response_body(r, NULL), "Echo: stream me a few words") != NULL);
  CHECK(strstr(llmgate_response_body(r, NULL), "chat.completion\"") != NULL);
  CHECK(llmgate_response_completion_tokens(r) == 6);
  llmgate_response_destroy(r);

  /* The callback stops the stream: CANCELLED. */
  const char* other = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"stop early please\"}]}";
  struct chunks stop = {0, 2, 0};
  r = llmgate_chat_stream(gate, other, strlen(other), on_chunk, &stop, NULL, &err);
  CHECK(r == NULL);
  CHECK(stop.count == 2);
  EXPECT_ERROR(err, LLMGATE_CANCELLED);
}

static void test_stats(llmgate_t* gate) {
  char* err = NULL;
  size_t len = 0;
  char* stats = llmgate_stats(gate, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(stats != NULL && stats[0] == '{' && strlen(stats) == len);
  CHECK(strstr(stats, "\"client\":{\"calls\":") != NULL);
  CHECK(strstr(stats, "\"cache_hits\":1,") != NULL);
  CHECK(strstr(stats, "\"cache\":{\"entries\":") != NULL);
  llmgate_free(stats);
}

static void test_bad_key(const char* state_dir, const char* base_url) {
  char* err = NULL;
  llmgate_options_t* options = llmgate_options_create();
  llmgate_options_set_state_dir(options, state_dir);
  llmgate_options_set_base_url(options, base_url);
  llmgate_options_set_api_key(options, "sk-test-revoked");
  llmgate_options_set_limits_from_env(options, 0);
  llmgate_options_set_cache_single_flight(options, 0); /* the failing call waits for no one */
  llmgate_t* gate = llmgate_open(options, &err);
  llmgate_options_destroy(options);
  CHECK_NO_ERROR(err);
  /* A request not in the cache, so that it goes to the server. */
  const char* req = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"who am i\"}]}";
  llmgate_response_t* r = llmgate_chat(gate, req, strlen(req), NULL, &err);
  CHECK(r == NULL);
  EXPECT_ERROR(err, LLMGATE_UNAUTHENTICATED);
  llmgate_close(gate);
}

/* The value of "name": in a JSON object, copied into `out` (strings without their quotes). */
static void json_field(const char* json, const char* name, char* out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", name);
  out[0] = '\0';
  const char* at = json ? strstr(json, pattern) : NULL;
  if (at == NULL) return;
  at += strlen(pattern);
  const int quoted = *at == '"';
  if (quoted) at++;
  size_t n = 0;
  while (at[n] != '\0' && n + 1 < size && (quoted ? at[n] != '"' : (at[n] != ',' && at[n] != '}'))) n++;
  memcpy(out, at, n);
  out[n] = '\0';
}

static void test_key_pool(const char* dir, const char* base_url) {
  char* err = NULL;
  char state_dir[600], keys_file[600];
  snprintf(state_dir, sizeof state_dir, "%s/keys-state", dir);
  snprintf(keys_file, sizeof keys_file, "%s/keys.txt", dir);
  write_file(keys_file, "# a key file\nsk-test-c-file-key  label=from-file  limits=rpd=1000\n");
  chmod(keys_file, 0600);

  llmgate_options_t* options = llmgate_options_create();
  llmgate_options_set_state_dir(options, state_dir);
  llmgate_options_set_base_url(options, base_url);
  llmgate_options_set_limits_from_env(options, 0);
  llmgate_options_set_keys_from_env(options, 0);
  /* Bad keys are refused when added, and leave the options as they were. */
  llmgate_options_add_key(options, "", NULL, NULL, NULL, NULL, NULL, &err);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  llmgate_options_add_key(options, "sk-test-c-bad", NULL, NULL, NULL, NULL, "rpm=", &err);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  llmgate_options_add_key(options, "sk-test-c-bad", NULL, NULL, NULL, NULL, "global/rpm=5", &err);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  /* The revoked key comes first, so the first call meets it and moves on. */
  llmgate_options_add_key(options, "sk-test-revoked", NULL, NULL, NULL, NULL, NULL, &err);
  CHECK_NO_ERROR(err);
  llmgate_options_add_key(options, "sk-test-c-good-key", "c-good", NULL, NULL, NULL, "rpm=100,tpm=100000", &err);
  CHECK_NO_ERROR(err);
  llmgate_options_set_keys_file(options, keys_file);
  llmgate_options_set_key_policy(options, LLMGATE_KEY_POLICY_MOST_HEADROOM);
  llmgate_options_set_key_max_in_flight(options, 4);
  llmgate_options_set_key_failure_threshold(options, 3);
  llmgate_options_set_key_failure_cooldown_ms(options, 30000);
  llmgate_options_set_max_attempts(options, 1);
  llmgate_t* gate = llmgate_open(options, &err);
  llmgate_options_destroy(options);
  CHECK_NO_ERROR(err);

  const char* req = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"which key\"}]}";
  llmgate_response_t* r = llmgate_chat(gate, req, strlen(req), NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(strcmp(llmgate_response_key_label(r), "sk-test-revoked") != 0);
  CHECK(llmgate_response_attempts(r) == 2); /* moving to another key is no retry, but it is sent */
  llmgate_response_destroy(r);

  size_t len = 0;
  char* list = llmgate_keys_list(gate, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(list != NULL && list[0] == '[' && strlen(list) == len);
  CHECK(strstr(list, "\"state\":\"disabled\",\"disabled_reason\":\"invalid_api_key\"") != NULL);
  CHECK(strstr(list, "\"label\":\"c-good\"") != NULL);
  CHECK(strstr(list, "\"label\":\"from-file\"") != NULL);
  CHECK(strstr(list, "\"fingerprint\":\"key:") != NULL);
  /* Only fingerprints and labels: no key's bytes, not even the revoked one's. */
  CHECK(strstr(list, "sk-test-revoked") == NULL);
  CHECK(strstr(list, "sk-test-c-good-key") == NULL);
  CHECK(strstr(list, "sk-test-c-file-key") == NULL);
  llmgate_free(list);

  /* Health by label; its fingerprint names the same key, and the key's limits are in its scope. */
  char* health = llmgate_keys_health(gate, "c-good", &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(health != NULL && health[0] == '{' && strlen(health) == len);
  char value[128], fingerprint[128];
  json_field(health, "state", value, sizeof value);
  CHECK(strcmp(value, "active") == 0);
  json_field(health, "successes", value, sizeof value);
  CHECK(strcmp(value, "1") == 0);
  json_field(health, "success_rate", value, sizeof value);
  CHECK(strcmp(value, "1") == 0);
  json_field(health, "fingerprint", fingerprint, sizeof fingerprint);
  CHECK(strncmp(fingerprint, "key:", 4) == 0 && strlen(fingerprint) == 20);
  llmgate_free(health);
  health = llmgate_keys_health(gate, fingerprint, NULL, &err);
  CHECK_NO_ERROR(err);
  json_field(health, "label", value, sizeof value);
  CHECK(strcmp(value, "c-good") == 0);
  llmgate_free(health);
  char* usage = llmgate_limiter_usage(gate, fingerprint, NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(strstr(usage, "\"name\":\"rpm\",\"limit\":100,") != NULL);
  llmgate_free(usage);

  health = llmgate_keys_health(gate, "no-such-key", NULL, &err);
  CHECK(health == NULL);
  EXPECT_ERROR(err, LLMGATE_NOT_FOUND);

  /* Disable and enable by label, and the file's key too: then every key is disabled, and a
   * call fails with the reason of the first (the revoked key's). */
  llmgate_keys_disable(gate, "c-good", "maintenance", &err);
  CHECK_NO_ERROR(err);
  llmgate_keys_disable(gate, "from-file", NULL, &err);
  CHECK_NO_ERROR(err);
  health = llmgate_keys_health(gate, "c-good", NULL, &err);
  CHECK_NO_ERROR(err);
  json_field(health, "state", value, sizeof value);
  CHECK(strcmp(value, "disabled") == 0);
  json_field(health, "disabled_reason", value, sizeof value);
  CHECK(strcmp(value, "maintenance") == 0);
  llmgate_free(health);
  const char* other = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"none left\"}]}";
  r = llmgate_chat(gate, other, strlen(other), NULL, &err);
  CHECK(r == NULL);
  EXPECT_ERROR(err, LLMGATE_UNAUTHENTICATED);
  llmgate_keys_enable(gate, "c-good", &err);
  CHECK_NO_ERROR(err);
  llmgate_keys_enable(gate, "from-file", &err);
  CHECK_NO_ERROR(err);
  health = llmgate_keys_health(gate, "c-good", NULL, &err);
  CHECK_NO_ERROR(err);
  json_field(health, "state", value, sizeof value);
  CHECK(strcmp(value, "active") == 0);
  json_field(health, "disabled_reason", value, sizeof value);
  CHECK(strcmp(value, "") == 0);
  llmgate_free(health);
  r = llmgate_chat(gate, other, strlen(other), NULL, &err);
  CHECK_NO_ERROR(err);
  llmgate_response_destroy(r);
  llmgate_keys_disable(gate, "no-such-key", "x", &err);
  EXPECT_ERROR(err, LLMGATE_NOT_FOUND);

  /* A key added at run time; adding it again is a no-op. */
  llmgate_keys_add(gate, "sk-test-c-added", "added", NULL, NULL, NULL, "rpm=50", &err);
  CHECK_NO_ERROR(err);
  llmgate_keys_add(gate, "sk-test-c-added", "added", NULL, NULL, NULL, NULL, &err);
  CHECK_NO_ERROR(err);
  llmgate_keys_add(gate, NULL, NULL, NULL, NULL, NULL, NULL, &err);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  llmgate_keys_add(gate, "sk-test-c-other", NULL, NULL, NULL, NULL, "model:x/rpm=5", &err);
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  health = llmgate_keys_health(gate, "added", NULL, &err);
  CHECK_NO_ERROR(err);
  json_field(health, "requests", value, sizeof value);
  CHECK(strcmp(value, "0") == 0);
  llmgate_free(health);

  /* Stats carry the shared counters and the keys. */
  char* stats = llmgate_stats(gate, &len, &err);
  CHECK_NO_ERROR(err);
  CHECK(strstr(stats, "\"shared\":{\"retries\":") != NULL);
  CHECK(strstr(stats, "\"keys\":[{\"fingerprint\":\"key:") != NULL);
  CHECK(strstr(stats, "\"label\":\"added\"") != NULL);
  CHECK(strstr(stats, "sk-test-c-added") == NULL);
  llmgate_free(stats);
  llmgate_close(gate);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH_TO_MOCK_OPENAI\n", argv[0]);
    return 2;
  }
  const char* tmp = getenv("TMPDIR");
  char dir[512];
  snprintf(dir, sizeof dir, "%s/llmgate-c-api-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  int port = start_mock(argv[1], dir);
  char base_url[128], state_dir[600];
  snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d/v1", port);
  snprintf(state_dir, sizeof state_dir, "%s/state", dir);

  test_errors_read_back();

  char* err = NULL;
  llmgate_options_t* options = llmgate_options_create();
  llmgate_options_set_limits(options, "rpm=0", &err); /* a zero limit is refused at once */
  EXPECT_ERROR(err, LLMGATE_INVALID_ARGUMENT);
  llmgate_options_set_state_dir(options, state_dir);
  llmgate_options_set_base_url(options, base_url);
  llmgate_options_set_api_key(options, "sk-test-c-api");
  llmgate_options_set_limits_from_env(options, 0);
  llmgate_options_set_limits(options, "rpm=1000,tpm=100000", &err);
  CHECK_NO_ERROR(err);
  llmgate_options_set_max_attempts(options, 2);
  llmgate_options_set_call_timeout_ms(options, 60000);
  llmgate_options_set_log(options, count_log, NULL, LLMGATE_LOG_DEBUG);
  llmgate_t* gate = llmgate_open(options, &err);
  llmgate_options_destroy(options); /* the gate keeps what it needs */
  CHECK_NO_ERROR(err);
  CHECK(strcmp(llmgate_state_dir(gate), state_dir) == 0);

  test_cache(gate);
  test_limiter(gate);
  test_chat(gate);
  test_stream(gate);
  test_stats(gate);
  llmgate_close(gate);
  CHECK(log_lines > 0);

  test_bad_key(state_dir, base_url);
  test_key_pool(dir, base_url);

  /* A state directory that cannot be created fails the open with a message. */
  options = llmgate_options_create();
  llmgate_options_set_state_dir(options, "/proc/llmgate-cannot-exist");
  llmgate_options_set_limits_from_env(options, 0);
  gate = llmgate_open(options, &err);
  CHECK(gate == NULL && err != NULL);
  llmgate_free(err);
  err = NULL;
  llmgate_options_destroy(options);

  stop_mock();
  if (failures == 0) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("c_api_test passed\n");
    return 0;
  }
  fprintf(stderr, "c_api_test: %d check(s) failed (state kept in %s)\n", failures, dir);
  return 1;
}
