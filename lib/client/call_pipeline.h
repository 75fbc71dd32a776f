// The one path every call takes:
//
//   cache lookup -> single-flight (wait for an identical call under way) -> choose the key -> acquire the key's scopes with an estimated cost ->
//   HTTP -> classify -> learn from the headers -> retry per policy -> reconcile actual
//   usage -> store in cache -> stats
//
// A streamed call leaves the pipeline once a 2xx answer's headers have arrived (a stream
// is only retried before its first chunk); chat_stream.h finishes it with Settle().
#ifndef LLMGATE_LIB_CLIENT_CALL_PIPELINE_H_
#define LLMGATE_LIB_CLIENT_CALL_PIPELINE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cache/response_cache.h"
#include "client/client_settings.h"
#include "client/cost_estimate.h"
#include "keys/key_groups.h"
#include "keys/key_pool.h"
#include "keys/key_scopes.h"
#include "client/rate_learning.h"
#include "http/ratelimit_headers.h"
#include "http/retry_policy.h"
#include "http/transport.h"
#include "limit/gate_limiter.h"
#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "util/logger.h"

namespace llmgate::internal {

// This process's counters (ClientStats), updated without locks.
struct ClientCounters {
  std::atomic<int64_t> calls{0}, cache_hits{0}, http_attempts{0}, retries{0}, http_429{0}, failures{0},
      prompt_tokens{0}, completion_tokens{0}, single_flight_waits{0};
  ClientStats Snapshot() const;
};

// What the pipeline works with; owned by the client, shared by all its calls.
struct PipelineDeps {
  ClientSettings settings;
  GateKeyPool* pool = nullptr;
  KeyStore* key_store = nullptr;  // the shared counters
  HttpTransport* transport = nullptr;
  ResponseCache* cache = nullptr;
  GateLimiter* limiter = nullptr;
  KeyGroups* groups = nullptr;
  RateLearner* learner = nullptr;
  const Logger* logger = nullptr;
  std::shared_ptr<Clock> clock;
  std::string default_scope;
  EstimateConfig estimate;
  RetryCallback on_retry;
  WaitCallback on_wait;
  ClientCounters* counters = nullptr;
};

struct CallSpec {
  Endpoint endpoint = Endpoint::kOther;
  std::string method = "POST";
  std::string path;              // "/chat/completions", relative to the base URL
  std::string body;              // what is sent
  std::string cache_body;        // the caller's request, which the cache key is made of
  std::string content_type = "application/json";
  bool cacheable = true;         // look up and store (CacheControl may still skip either)
  bool stream = false;           // expect text/event-stream; hand back the open exchange
};

// A call that got an answer it will not retry: complete, or for a stream, its 2xx headers.
struct CallResult {
  Response response;  // complete answers: everything; streams: status, headers, request id
  // Streams only: the exchange to read the events from, and the key and quota to settle
  // once the stream's usage is known.
  std::unique_ptr<HttpExchange> stream;
  std::optional<KeyChoice> choice;
  int64_t started_micros = 0;
  CostEstimate estimate;
  // Streams only: what the answer's headers said, observed once the quota is settled.
  std::string limit_scope;
  RateLimitHeaders rate;
};

class CallPipeline {
 public:
  explicit CallPipeline(PipelineDeps deps) : deps_(std::move(deps)) {}

  Result<CallResult> Run(const CallSpec& spec, const CallOptions& options);

  // Reconciles a reservation with the answer's usage (the tokens the server charges, see
  // ChargedTokens), then records the server's view of `limit_scope` from its headers,
  // stores a complete answer in the cache and counts its tokens.
  void Settle(const CallSpec& spec, const CallOptions& options, const CostEstimate& estimate,
              const llmgate::Reservation& reservation, const std::string& limit_scope,
              const RateLimitHeaders& rate, Response* response);

  // Ends a streamed attempt with `choice`'s key: a success with the answer's usage, or the
  // failure that cut it short.
  void FinishStream(const KeyChoice& choice, int64_t started_micros, const Status& error, const Usage& usage);

  const PipelineDeps& deps() const { return deps_; }

  // Adds one to a counter of this process and to the shared one of every process.
  void CountFailure();

  // Adds to the shared counters; a failure to count is logged, never returned.
  void CountShared(const std::vector<std::pair<const char*, int64_t>>& deltas) const;

 private:
  struct Attempt;
  // A complete answer from the cache, or nullopt on a miss, after which *flight (when
  // given) holds the call's place in the flight of identical calls
  // (ResponseCache::GetOrJoinFlight). An unusable request body fails.
  Result<std::optional<CallResult>> FromCache(const CallSpec& spec, const CallOptions& options, Flight* flight);
  // The call's answer from a cache lookup's result.
  Result<std::optional<CallResult>> CachedResult(const CallSpec& spec, Result<std::optional<std::string>> hit);
  // Waits for the identical call that *flight follows and returns the answer it stored, or
  // nullopt when it stored none (this call then goes on by itself). Fails on the deadline
  // or a cancellation.
  Result<std::optional<CallResult>> FollowFlight(const CallSpec& spec, const CallOptions& options, int64_t deadline,
                                                 Flight* flight);
  HttpRequest BuildRequest(const CallSpec& spec, const CallOptions& options, const ApiKey& key,
                           const std::string& idempotency_key, int64_t deadline) const;
  // Reads the answer (for a stream: only the headers of a 2xx) and classifies it.
  void Exchange(const CallSpec& spec, HttpRequest request, const ApiKey& key, Attempt* attempt);
  AttemptReport Report(const Attempt& attempt, int64_t started, int64_t now, int64_t cooldown_until) const;
  // Updates the key's group and the learned limits from the answer's headers; returns the
  // scope the server's limits apply to.
  std::string LearnFrom(const Attempt& attempt, const ApiKey& key, const std::string& model);
  void ReleaseFailed(const Attempt& attempt, const llmgate::Reservation& reservation);
  Status Enrich(Status status, const Attempt& attempt, const ApiKey& key) const;

  PipelineDeps deps_;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CLIENT_CALL_PIPELINE_H_
