#include "client/call_pipeline.h"

#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "util/interruptible_sleep.h"

namespace llmgate::internal {
namespace {

double Uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

uint64_t Random64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

bool CountsTokens(Endpoint e) { return e != Endpoint::kImageGenerations && e != Endpoint::kOther; }

// The dimensions a call draws from: one request, its tokens, and for image generations
// the images (IPM).
std::vector<llmgate::Cost> CostsFor(Endpoint endpoint, int64_t tokens, int64_t images) {
  std::vector<llmgate::Cost> cost{{std::string(kRequestsDimension), 1}};
  if (CountsTokens(endpoint)) cost.push_back({std::string(kTokensDimension), tokens});
  if (endpoint == Endpoint::kImageGenerations) cost.push_back({std::string(kImagesDimension), images});
  return cost;
}

HeaderList ToHeaderList(const HttpHeaders& headers) { return headers.entries; }

// A header the caller passes replaces llmgate's own of the same name.
void SetHeader(std::vector<std::pair<std::string, std::string>>* headers, const std::string& name,
               const std::string& value) {
  for (auto& [n, v] : *headers) {
    if (EqualsIgnoreCase(n, name)) {
      v = value;
      return;
    }
  }
  headers->emplace_back(name, value);
}

// Answers after which the server did not process the request, so that the quota it was
// given goes back: it was throttled or refused before any work. (A request that never
// connected goes back too; one that failed later may have been charged and stays.)
bool NotProcessed(const Classification& c) {
  switch (c.outcome) {
    case Outcome::kRateLimited:
    case Outcome::kQuotaExhausted:
    case Outcome::kRequestTooLarge:
    case Outcome::kInvalidRequest:
    case Outcome::kAuthentication:
    case Outcome::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

}  // namespace

ClientStats ClientCounters::Snapshot() const {
  ClientStats s;
  s.calls = calls.load();
  s.cache_hits = cache_hits.load();
  s.http_attempts = http_attempts.load();
  s.retries = retries.load();
  s.http_429 = http_429.load();
  s.failures = failures.load();
  s.prompt_tokens = prompt_tokens.load();
  s.completion_tokens = completion_tokens.load();
  s.single_flight_waits = single_flight_waits.load();
  return s;
}

struct CallPipeline::Attempt {
  std::unique_ptr<HttpExchange> exchange;
  bool has_response = false;  // a status line arrived
  bool cancelled = false;
  bool connect_failed = false;
  HttpHeaders headers;
  std::string body;
  Classification c;
  RateLimitHeaders rate;
};

void CallPipeline::CountFailure() {
  deps_.counters->failures.fetch_add(1, std::memory_order_relaxed);
  CountShared({{"failures", 1}});
}

void CallPipeline::CountShared(const std::vector<std::pair<const char*, int64_t>>& deltas) const {
  if (!deps_.key_store) return;
  if (Status s = deps_.key_store->AddCounters(deltas); !s.ok() && deps_.logger)
    deps_.logger->Warn("could not update the shared client counters: ", s.ToString());
}

AttemptReport CallPipeline::Report(const Attempt& a, int64_t started, int64_t now, int64_t cooldown_until) const {
  AttemptReport r;
  r.kind = a.cancelled ? AttemptClass::kOther : ClassOf(a.c.outcome);
  r.latency_micros = a.has_response ? now - started : -1;
  r.http_status = a.c.http_status;
  r.error_code = a.c.error.code;
  r.request_id = a.rate.request_id;
  if (a.cancelled) {
    r.error = "cancelled";
  } else if (a.c.outcome != Outcome::kSuccess) {
    r.error = ToStatus(a.c).message();
  }
  r.cooldown_until = cooldown_until;
  return r;
}

void CallPipeline::FinishStream(const KeyChoice& choice, int64_t started, const Status& error, const Usage& usage) {
  AttemptReport r;
  const int64_t now = deps_.clock->NowMicros();
  r.latency_micros = now - started;
  if (error.ok()) {
    r.kind = AttemptClass::kSuccess;
    r.tokens_in = usage.prompt_tokens;
    r.tokens_out = usage.completion_tokens;
  } else {
    r.kind = error.code() == StatusCode::kCancelled ? AttemptClass::kOther : AttemptClass::kNetwork;
    r.error = error.message();
    r.request_id = error.request_id();
  }
  deps_.pool->Finish(choice, r);
}

Result<CallResult> CallPipeline::Run(const CallSpec& spec, const CallOptions& options) {
  ClientCounters& counters = *deps_.counters;
  counters.calls.fetch_add(1, std::memory_order_relaxed);
  auto fail = [&](Status s) -> Result<CallResult> {
    CountFailure();
    return s;
  };
  Clock& clock = *deps_.clock;
  const int64_t start = clock.NowMicros();
  const int64_t timeout = options.timeout ? options.timeout->count() * 1000 : deps_.settings.call_timeout_micros;
  const int64_t deadline = start + std::max<int64_t>(timeout, 0);

  // The flight of identical calls: while this call leads it, held until the answer is
  // stored (released on every way out).
  Flight flight;
  const bool use_cache = spec.cacheable && deps_.cache != nullptr;
  if (use_cache && !options.cache.skip_read) {
    // A stream wants its first tokens now, and a call that will not store its answer
    // cannot lead others to it: neither waits for nor leads a flight.
    const bool joins = !spec.stream && !options.cache.skip_write;
    Result<std::optional<CallResult>> cached = FromCache(spec, options, joins ? &flight : nullptr);
    if (cached.ok() && !*cached && flight.following()) cached = FollowFlight(spec, options, deadline, &flight);
    if (!cached.ok()) return fail(cached.status());
    if (*cached) return std::move(**cached);
  }

  CostEstimate estimate;
  if (spec.endpoint != Endpoint::kOther) {
    Result<CostEstimate> e = EstimateCost(spec.endpoint, spec.body, deps_.estimate);
    if (!e.ok()) return fail(e.status());
    estimate = std::move(e).value();
  }

  RetryPolicy policy;
  policy.max_attempts = std::max(1, options.max_attempts.value_or(deps_.settings.max_attempts));
  const std::string idempotency_key =
      options.idempotency_key.empty() ? MakeIdempotencyKey(Random64) : options.idempotency_key;

  const std::vector<llmgate::Cost> cost = CostsFor(spec.endpoint, estimate.tokens(), estimate.images);
  // Keys that failed this call in a way another key may not (throttled, revoked, out of
  // quota): the call moves to another key at once, without using up an attempt.
  std::set<std::string> excluded;
  std::optional<Status> last_error;
  int sent = 0;     // HTTP attempts
  int counted = 0;  // attempts the retry policy counts
  for (;;) {
    Result<KeyChoice> chosen = deps_.pool->Choose(cost, estimate.model, excluded, options.cancelled, deadline);
    if (!chosen.ok()) return fail(last_error && chosen.status().code() == StatusCode::kUnavailable ? *last_error
                                                                                                  : chosen.status());
    KeyChoice& choice = *chosen;
    const ApiKey& key = *choice.key;

    Attempt attempt;
    const int64_t started = clock.NowMicros();
    Exchange(spec, BuildRequest(spec, options, key, idempotency_key, deadline), key, &attempt);
    ++sent;
    ++counted;
    counters.http_attempts.fetch_add(1, std::memory_order_relaxed);
    if (attempt.cancelled) {
      (void)deps_.limiter->Cancel(choice.reservation);
      deps_.pool->Finish(choice, Report(attempt, started, clock.NowMicros(), 0));
      return fail(Status(StatusCode::kCancelled, "call cancelled"));
    }
    const int64_t now = clock.NowMicros();
    const std::string limit_scope = LearnFrom(attempt, key, estimate.model);

    if (attempt.c.outcome == Outcome::kSuccess) {
      CallResult result;
      result.response.http_status = attempt.c.http_status;
      result.response.headers = ToHeaderList(attempt.headers);
      result.response.request_id = attempt.rate.request_id;
      result.response.attempts = sent;
      result.response.key_label = key.label;
      result.estimate = estimate;
      if (spec.stream) {
        result.stream = std::move(attempt.exchange);
        result.limit_scope = limit_scope;
        result.rate = attempt.rate;
        result.started_micros = started;
        result.choice = std::move(choice);
        return result;
      }
      result.response.body = std::move(attempt.body);
      Settle(spec, options, estimate, choice.reservation, limit_scope, attempt.rate, &result.response);
      AttemptReport report = Report(attempt, started, now, 0);
      report.tokens_in = result.response.usage.prompt_tokens;
      report.tokens_out = result.response.usage.completion_tokens;
      deps_.pool->Finish(choice, report);
      return result;
    }

    if (attempt.c.http_status == 429) {
      counters.http_429.fetch_add(1, std::memory_order_relaxed);
      CountShared({{"http_429", 1}});
    }
    ReleaseFailed(attempt, choice.reservation);
    if (attempt.has_response) deps_.learner->Observe(limit_scope, attempt.rate, choice.reservation);
    const RetryDelay delay = policy.NextDelay(counted, attempt.c, attempt.headers, now, Uniform01);
    std::optional<int64_t> hint = attempt.rate.retry_after_ms ? attempt.rate.retry_after_ms : attempt.rate.retry_after;
    // A throttled answer that says how long to wait holds the scope for every process.
    if (attempt.c.outcome == Outcome::kRateLimited && hint && *hint > 0)
      deps_.learner->OnThrottled(limit_scope, now + *hint);
    // The key cools down until the server's reset (or the backoff when it gives none).
    const int64_t key_wait = delay.server_hint_micros.value_or(delay.micros);
    deps_.pool->Finish(choice, Report(attempt, started, now, now + key_wait));

    Status cause = Enrich(ToStatus(attempt.c), attempt, key);
    last_error = cause;
    const AttemptClass kind = ClassOf(attempt.c.outcome);
    if (kind == AttemptClass::kRateLimited || kind == AttemptClass::kAuth || kind == AttemptClass::kQuota) {
      excluded.insert(key.fingerprint);
      if (deps_.pool->HasAlternative(excluded)) {
        --counted;
        if (deps_.logger)
          deps_.logger->Info(spec.method, " ", spec.path, " with key ", key.label, " failed (", cause.ToString(),
                             "); moving to another key");
        continue;
      }
      // No other key: the ordinary retry policy applies (Choose may return any key again).
    }

    const RetryDecision decision = policy.Decide(counted, attempt.c, delay, now, deadline);
    Status error = Enrich(FinalStatus(attempt.c, decision), attempt, key);
    if (decision.action != RetryAction::kRetry) {
      if (deps_.logger) deps_.logger->Warn(spec.method, " ", spec.path, " failed: ", error.ToString());
      return fail(error);
    }

    counters.retries.fetch_add(1, std::memory_order_relaxed);
    CountShared({{"retries", 1}});
    if (deps_.logger) {
      deps_.logger->Info(spec.method, " ", spec.path, " attempt ", sent, " with key ", key.label, " failed (",
                         cause.ToString(), "); retrying in ", decision.delay_micros / 1000, " ms (",
                         DelaySourceName(delay.source), ")");
    }
    if (deps_.on_retry) {
      RetryEvent event;
      event.attempt = sent;
      event.delay = std::chrono::milliseconds(decision.delay_micros / 1000);
      event.error = cause;
      event.key_label = key.label;
      deps_.on_retry(event);
    }
    if (InterruptibleSleepUntil(clock, now + decision.delay_micros, options.cancelled).cancelled)
      return fail(Status(StatusCode::kCancelled, "call cancelled while waiting to retry"));
  }
}

Result<std::optional<CallResult>> CallPipeline::FromCache(const CallSpec& spec, const CallOptions& options,
                                                          Flight* flight) {
  Result<std::optional<std::string>> hit = deps_.cache->GetOrJoinFlight(spec.path, spec.cache_body, options.cache, flight);
  return CachedResult(spec, std::move(hit));
}

Result<std::optional<CallResult>> CallPipeline::CachedResult(const CallSpec& spec,
                                                             Result<std::optional<std::string>> hit) {
  if (!hit.ok() && hit.status().code() == StatusCode::kInvalidArgument) return hit.status();
  if (!hit.ok() || !*hit) return std::optional<CallResult>();  // a failing cache misses
  deps_.counters->cache_hits.fetch_add(1, std::memory_order_relaxed);
  std::optional<CallResult> result(std::in_place);
  result->response.http_status = 200;
  result->response.body = std::move(**hit);
  result->response.from_cache = true;
  result->response.usage = ParseUsage(spec.endpoint, result->response.body).usage;
  return result;
}

Result<std::optional<CallResult>> CallPipeline::FollowFlight(const CallSpec& spec, const CallOptions& options,
                                                             int64_t deadline, Flight* flight) {
  if (deps_.logger) deps_.logger->Debug(spec.method, " ", spec.path, ": waiting for an identical call under way");
  deps_.counters->single_flight_waits.fetch_add(1, std::memory_order_relaxed);
  CountShared({{"single_flight_waits", 1}});
  switch (WaitForFlight(flight, *deps_.clock, deadline, options.cancelled)) {
    case FlightWait::kCancelled:
      return Status(StatusCode::kCancelled, "call cancelled while waiting for an identical call under way");
    case FlightWait::kDeadline:
      return Status(StatusCode::kDeadlineExceeded, "timed out waiting for an identical call under way");
    case FlightWait::kEnded:
      break;
  }
  // The identical call's answer, if it stored one; else (it failed, or was not cacheable)
  // this call goes on by itself.
  return CachedResult(spec, deps_.cache->GetAgain(spec.path, spec.cache_body, options.cache));
}

HttpRequest CallPipeline::BuildRequest(const CallSpec& spec, const CallOptions& options, const ApiKey& key,
                                       const std::string& idempotency_key, int64_t deadline) const {
  const ClientSettings& s = deps_.settings;
  HttpRequest request;
  request.method = spec.method;
  request.url = (key.base_url.empty() ? s.base_url : key.base_url) + spec.path;
  if (s.api_style == ApiStyle::kAzure) {
    request.url += spec.path.find('?') == std::string::npos ? "?" : "&";
    request.url += "api-version=" + s.azure_api_version;
  }
  auto& h = request.headers;
  if (!key.secret.empty()) {
    if (s.api_style == ApiStyle::kAzure) {
      h.emplace_back("api-key", key.secret);
    } else {
      h.emplace_back("Authorization", "Bearer " + key.secret);
    }
  }
  if (!spec.body.empty() || spec.method == "POST") h.emplace_back("Content-Type", spec.content_type);
  h.emplace_back("Accept", spec.stream ? "text/event-stream" : "application/json");
  if (!key.organization.empty()) h.emplace_back("OpenAI-Organization", key.organization);
  if (!key.project.empty()) h.emplace_back("OpenAI-Project", key.project);
  if (spec.method != "GET") h.emplace_back(std::string(kIdempotencyKeyHeader), idempotency_key);
  for (const auto& [name, value] : options.headers) SetHeader(&h, name, value);
  request.body = spec.body;
  request.connect_timeout_micros = s.connect_timeout_micros;
  const int64_t left = deadline - deps_.clock->NowMicros();
  request.total_timeout_micros = std::max<int64_t>(1000, std::min(s.request_timeout_micros, left));
  request.cancelled = options.cancelled;
  return request;
}

void CallPipeline::Exchange(const CallSpec& spec, HttpRequest request, const ApiKey& key, Attempt* a) {
  a->exchange = deps_.transport->Start(std::move(request));
  bool ok = a->exchange->AwaitHeaders();
  if (ok) {
    a->has_response = true;
    a->headers = a->exchange->headers();
    const int status = a->exchange->status();
    // A 2xx stream is read by the caller, event by event; everything else is read whole.
    if (!(spec.stream && status >= 200 && status < 300)) {
      while (a->exchange->ReadBody(&a->body)) {
      }
      ok = !a->exchange->error().has_value();
    }
    if (ok) {
      a->c = Classify(status, a->headers, a->body);
      a->rate = ParseRateLimitHeaders(a->headers, deps_.clock->NowMicros());
      return;
    }
  }
  const std::optional<TransportError>& error = a->exchange->error();
  if (error && error->cancelled) {
    a->cancelled = true;
    return;
  }
  const TransportFailure failure = error && error->failure ? *error->failure : TransportFailure::kDropped;
  a->connect_failed = failure == TransportFailure::kConnect;
  a->c = Classify(failure, ScrubSecret(error ? error->detail : "transport failed", key));
  if (a->has_response) a->rate = ParseRateLimitHeaders(a->headers, deps_.clock->NowMicros());
}

std::string CallPipeline::LearnFrom(const Attempt& attempt, const ApiKey& key, const std::string& model) {
  if (attempt.has_response) deps_.groups->Learn(key, attempt.rate.organization);
  const std::string scope = GroupModelScope(deps_.groups->GroupOf(key), model);
  if (attempt.has_response) deps_.learner->LearnLimits(scope, attempt.rate);
  return scope;
}

void CallPipeline::ReleaseFailed(const Attempt& attempt, const llmgate::Reservation& reservation) {
  if (!(attempt.connect_failed || NotProcessed(attempt.c))) return;  // the server may have charged it
  if (Status s = deps_.limiter->Cancel(reservation); !s.ok() && deps_.logger)
    deps_.logger->Warn("could not refund the quota of a failed request: ", s.ToString());
}

Status CallPipeline::Enrich(Status status, const Attempt& attempt, const ApiKey& key) const {
  if (status.ok()) return status;
  Status out(status.code(), ScrubSecret(status.message(), key));
  if (status.retry_after()) out.set_retry_after(*status.retry_after());
  out.set_http_status(attempt.c.http_status);
  out.set_request_id(attempt.rate.request_id);
  out.set_error_code(attempt.c.error.code);
  return out;
}

void CallPipeline::Settle(const CallSpec& spec, const CallOptions& options, const CostEstimate& estimate,
                          const llmgate::Reservation& reservation, const std::string& limit_scope,
                          const RateLimitHeaders& rate, Response* response) {
  const ParsedUsage usage = ParseUsage(spec.endpoint, response->body);
  response->usage = usage.usage;
  deps_.counters->prompt_tokens.fetch_add(usage.usage.prompt_tokens, std::memory_order_relaxed);
  deps_.counters->completion_tokens.fetch_add(usage.usage.completion_tokens, std::memory_order_relaxed);
  // The reservation is settled before the server's view is observed: its count already
  // includes this request.
  const int64_t images = usage.usage.images > 0 ? usage.usage.images : estimate.images;
  Result<llmgate::Reservation> r = deps_.learner->ReconcileAndObserve(
      reservation, CostsFor(spec.endpoint, ChargedTokens(estimate, usage), images), limit_scope, rate);
  if (!r.ok() && deps_.logger)
    deps_.logger->Warn("could not reconcile the quota of ", spec.path, " with its usage: ", r.status().ToString());
  if (spec.cacheable && deps_.cache && !options.cache.skip_write && response->http_status / 100 == 2) {
    // A failing cache never fails the call; Put logs and counts its own failures.
    (void)deps_.cache->Put(spec.path, spec.cache_body, response->body, options.cache);
  }
}

}  // namespace llmgate::internal
