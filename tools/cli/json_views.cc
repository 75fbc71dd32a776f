#include "cli/json_views.h"

#include <algorithm>

#include "cli/text_format.h"

namespace llmgate::cli {

void WriteLimit(JsonWriter& w, const LimitUsage& u, int64_t now_micros) {
  w.BeginObject()
      .Field("scope", u.limit.scope)
      .Field("name", u.name)
      .Field("dimension", u.limit.dimension)
      .Field("window", WindowName(u.limit.window.count()))
      .Field("window_micros", static_cast<int64_t>(u.limit.window.count()))
      .Field("kind", KindName(u.limit.kind))
      .Field("source", SourceName(u.limit.source))
      .Field("limit", u.limit.limit)
      .Field("burst", u.limit.burst > 0 ? u.limit.burst : u.limit.limit)
      .Field("used", u.used)
      .Field("remaining", u.remaining)
      .Field("reset_micros", u.reset_micros)
      .Field("reset_in_ms", std::max<int64_t>(0, (u.reset_micros - now_micros + 999) / 1000))
      .EndObject();
}

void WriteKey(JsonWriter& w, const KeyHealth& k, int64_t now_micros) {
  w.BeginObject()
      .Field("label", k.label)
      .Field("fingerprint", k.fingerprint)
      .Field("group", k.group)
      .Field("state", StateName(k.state))
      .Field("disabled_reason", k.disabled_reason)
      .Field("cooldown_until_micros", k.cooldown_until_micros)
      .Field("cooldown_remaining_ms",
             k.state == KeyState::kCoolingDown ? std::max<int64_t>(0, (k.cooldown_until_micros - now_micros) / 1000)
                                               : int64_t{0})
      .Field("in_flight", k.in_flight)
      .Field("requests", k.requests)
      .Field("successes", k.successes)
      .Field("success_rate", k.success_rate)
      .Field("http_429", k.http_429);
  w.Key("errors")
      .BeginObject()
      .Field("auth", k.auth_errors)
      .Field("quota", k.quota_errors)
      .Field("server", k.server_errors)
      .Field("network", k.network_errors)
      .Field("other", k.other_errors)
      .EndObject();
  w.Field("tokens_in", k.tokens_in)
      .Field("tokens_out", k.tokens_out)
      .Field("latency_p50_ms", static_cast<int64_t>(k.latency_p50.count()))
      .Field("latency_p90_ms", static_cast<int64_t>(k.latency_p90.count()))
      .Field("latency_p99_ms", static_cast<int64_t>(k.latency_p99.count()))
      .Field("last_error", k.last_error)
      .Field("last_error_micros", k.last_error_micros)
      .Field("last_error_request_id", k.last_error_request_id)
      .EndObject();
}

void WriteCache(JsonWriter& w, const CacheStats& c) {
  w.BeginObject()
      .Field("entries", c.entries)
      .Field("bytes", c.bytes)
      .Field("hits", c.hits)
      .Field("misses", c.misses)
      .Field("hit_rate", Ratio(c.hits, c.hits + c.misses))
      .Field("tokens_saved", c.tokens_saved)
      .Field("evictions", c.evictions)
      .Field("expirations", c.expirations)
      .Field("errors", c.errors)
      .Field("rebuilds", c.rebuilds)
      .EndObject();
}

void WriteClient(JsonWriter& w, const SharedClientStats& c) {
  w.BeginObject()
      .Field("retries", c.retries)
      .Field("http_429", c.http_429)
      .Field("failures", c.failures)
      .Field("waits", c.waits)
      .Field("wait_millis", c.wait_millis)
      .EndObject();
}

std::string LimitsJson(const std::vector<LimitUsage>& limits, int64_t now_micros) {
  JsonWriter w;
  w.BeginObject().Key("limits").BeginArray();
  for (const LimitUsage& u : limits) WriteLimit(w, u, now_micros);
  w.EndArray().EndObject();
  return w.str();
}

std::string KeysJson(const std::vector<KeyHealth>& keys, int64_t now_micros) {
  JsonWriter w;
  w.BeginObject().Key("keys").BeginArray();
  for (const KeyHealth& k : keys) WriteKey(w, k, now_micros);
  w.EndArray().EndObject();
  return w.str();
}

std::string CacheJson(const CacheStats& c) {
  JsonWriter w;
  w.BeginObject().Key("cache");
  WriteCache(w, c);
  w.EndObject();
  return w.str();
}

std::string StatusJson(const Snapshot& s) {
  JsonWriter w;
  w.BeginObject().Field("state_dir", s.state_dir).Field("time_micros", s.now_micros);
  w.Key("limits").BeginArray();
  for (const LimitUsage& u : s.limits) WriteLimit(w, u, s.now_micros);
  w.EndArray();
  w.Key("keys").BeginArray();
  for (const KeyHealth& k : s.keys) WriteKey(w, k, s.now_micros);
  w.EndArray();
  w.Key("cache");
  WriteCache(w, s.cache);
  w.Key("client");
  WriteClient(w, s.client);
  w.EndObject();
  return w.str();
}

}  // namespace llmgate::cli
