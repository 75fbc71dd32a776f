// The fields of the structs the library reports (counters, usage, key health), each listed
// once and in order, for the code that turns them into Python dicts (bindings/python), the
// C API's JSON (bindings/c) and `llmgate … --json` (tools/cli). A field added to one of
// these structs is added here, and every output has it.
//
// ForEachField calls visit(name, value) for each field, where value is one of
//   int64_t, double, std::string_view  a plain value;
//   std::chrono::microseconds          a length of time;
//   WallTime                           a point in time.
// Each output picks the unit of times and how the name says it: Python writes float
// seconds as `name`; the C API lengths in whole ms as `name`_ms and points in µs as
// `name`_micros; the CLI both in µs as `name`_micros.
// Key health uses the C API's names and units in every output, so its times are plain
// integers whose names carry the unit.
#ifndef LLMGATE_LIB_UTIL_REPORT_FIELDS_H_
#define LLMGATE_LIB_UTIL_REPORT_FIELDS_H_

#include <chrono>
#include <cstdint>
#include <string_view>

#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "llmgate/keys.h"
#include "llmgate/limiter.h"

namespace llmgate::internal {

// Wall clock, µs since the epoch.
struct WallTime {
  int64_t micros = 0;
};

// The public enums, named in full: lib/limit has enums of these names of its own, and a file
// that includes both headers must still get these.
inline std::string_view WindowKindName(llmgate::WindowKind kind) {
  return kind == llmgate::WindowKind::kCalendar ? "calendar" : "rolling";
}

inline std::string_view LimitSourceName(llmgate::LimitSource source) {
  return source == llmgate::LimitSource::kLearned ? "learned" : "configured";
}

template <typename Visit>
void ForEachField(const CacheStats& s, Visit&& visit) {
  visit("entries", s.entries);
  visit("bytes", s.bytes);
  visit("hits", s.hits);
  visit("misses", s.misses);
  visit("tokens_saved", s.tokens_saved);
  visit("evictions", s.evictions);
  visit("expirations", s.expirations);
  visit("errors", s.errors);
  visit("rebuilds", s.rebuilds);
}

template <typename Visit>
void ForEachField(const ClientStats& s, Visit&& visit) {
  visit("calls", s.calls);
  visit("cache_hits", s.cache_hits);
  visit("http_attempts", s.http_attempts);
  visit("retries", s.retries);
  visit("http_429", s.http_429);
  visit("failures", s.failures);
  visit("prompt_tokens", s.prompt_tokens);
  visit("completion_tokens", s.completion_tokens);
  visit("single_flight_waits", s.single_flight_waits);
}

template <typename Visit>
void ForEachField(const SharedClientStats& s, Visit&& visit) {
  visit("retries", s.retries);
  visit("http_429", s.http_429);
  visit("failures", s.failures);
  visit("waits", s.waits);
  visit("wait_millis", s.wait_millis);
  visit("single_flight_waits", s.single_flight_waits);
}

template <typename Visit>
void ForEachField(const Usage& u, Visit&& visit) {
  visit("prompt_tokens", u.prompt_tokens);
  visit("completion_tokens", u.completion_tokens);
  visit("total_tokens", u.total_tokens);
  visit("images", u.images);
}

// A limit and its usage as one record (the limit's fields and the usage's interleave).
template <typename Visit>
void ForEachField(const LimitUsage& u, Visit&& visit) {
  const Limit& l = u.limit;
  visit("scope", std::string_view(l.scope));
  visit("dimension", std::string_view(l.dimension));
  visit("name", std::string_view(u.name));
  visit("limit", l.limit);
  visit("window", l.window);
  visit("burst", l.burst);
  visit("kind", WindowKindName(l.kind));
  visit("calendar_offset", l.calendar_offset);
  visit("source", LimitSourceName(l.source));
  visit("used", u.used);
  visit("remaining", u.remaining);
  visit("reset", WallTime{u.reset_micros});
}

// Never the key itself: it is named by fingerprint and label only.
template <typename Visit>
void ForEachField(const KeyHealth& k, Visit&& visit) {
  visit("fingerprint", std::string_view(k.fingerprint));
  visit("label", std::string_view(k.label));
  visit("group", std::string_view(k.group));
  visit("state", KeyStateName(k.state));
  visit("disabled_reason", std::string_view(k.disabled_reason));
  visit("cooldown_until_micros", k.cooldown_until_micros);
  visit("in_flight", k.in_flight);
  visit("requests", k.requests);
  visit("successes", k.successes);
  visit("http_429", k.http_429);
  visit("auth_errors", k.auth_errors);
  visit("quota_errors", k.quota_errors);
  visit("server_errors", k.server_errors);
  visit("network_errors", k.network_errors);
  visit("other_errors", k.other_errors);
  visit("tokens_in", k.tokens_in);
  visit("tokens_out", k.tokens_out);
  visit("success_rate", k.success_rate);
  visit("latency_p50_ms", static_cast<int64_t>(k.latency_p50.count()));
  visit("latency_p90_ms", static_cast<int64_t>(k.latency_p90.count()));
  visit("latency_p99_ms", static_cast<int64_t>(k.latency_p99.count()));
  visit("last_error", std::string_view(k.last_error));
  visit("last_error_micros", k.last_error_micros);
  visit("last_error_request_id", std::string_view(k.last_error_request_id));
}

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_REPORT_FIELDS_H_
