#include "c_json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace llmgate::c_api {
namespace {

void AppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(ch);  // UTF-8 passes through as is
        }
    }
  }
  out->push_back('"');
}

}  // namespace

void JsonObject::Name(std::string_view name) {
  if (out_.size() > 1) out_.push_back(',');
  AppendString(&out_, name);
  out_.push_back(':');
}

JsonObject& JsonObject::Int(std::string_view name, int64_t value) {
  Name(name);
  out_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::Double(std::string_view name, double value) {
  Name(name);
  if (!std::isfinite(value)) {
    out_ += "null";  // JSON has no NaN or infinity
    return *this;
  }
  // to_chars, unlike printf, ignores the C locale a host program may have set (no "0,5").
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, r.ptr);
  return *this;
}

JsonObject& JsonObject::Str(std::string_view name, std::string_view value) {
  Name(name);
  AppendString(&out_, value);
  return *this;
}

JsonObject& JsonObject::Raw(std::string_view name, std::string_view json) {
  Name(name);
  out_ += json;
  return *this;
}

std::string JsonObject::Finish() {
  out_.push_back('}');
  return std::move(out_);
}

std::string CacheStatsJson(const CacheStats& s) {
  return JsonObject()
      .Int("entries", s.entries)
      .Int("bytes", s.bytes)
      .Int("hits", s.hits)
      .Int("misses", s.misses)
      .Int("tokens_saved", s.tokens_saved)
      .Int("evictions", s.evictions)
      .Int("expirations", s.expirations)
      .Int("errors", s.errors)
      .Int("rebuilds", s.rebuilds)
      .Finish();
}

std::string ClientStatsJson(const ClientStats& s) {
  return JsonObject()
      .Int("calls", s.calls)
      .Int("cache_hits", s.cache_hits)
      .Int("http_attempts", s.http_attempts)
      .Int("retries", s.retries)
      .Int("http_429", s.http_429)
      .Int("failures", s.failures)
      .Int("prompt_tokens", s.prompt_tokens)
      .Int("completion_tokens", s.completion_tokens)
      .Finish();
}

std::string SharedClientStatsJson(const SharedClientStats& s) {
  return JsonObject()
      .Int("retries", s.retries)
      .Int("http_429", s.http_429)
      .Int("failures", s.failures)
      .Int("waits", s.waits)
      .Int("wait_millis", s.wait_millis)
      .Finish();
}

std::string UsageJson(const std::vector<LimitUsage>& usage) {
  std::string out = "[";
  for (const LimitUsage& u : usage) {
    if (out.size() > 1) out.push_back(',');
    const Limit& l = u.limit;
    out += JsonObject()
               .Str("scope", l.scope)
               .Str("dimension", l.dimension)
               .Str("name", u.name)
               .Int("limit", l.limit)
               .Int("window_ms", l.window.count() / 1000)
               .Int("burst", l.burst)
               .Str("kind", l.kind == WindowKind::kCalendar ? "calendar" : "rolling")
               .Int("calendar_offset_ms", l.calendar_offset.count() / 1000)
               .Str("source", l.source == LimitSource::kLearned ? "learned" : "configured")
               .Int("used", u.used)
               .Int("remaining", u.remaining)
               .Int("reset_micros", u.reset_micros)
               .Finish();
  }
  out.push_back(']');
  return out;
}

std::string KeyHealthJson(const KeyHealth& k) {
  return JsonObject()
      .Str("fingerprint", k.fingerprint)
      .Str("label", k.label)
      .Str("group", k.group)
      .Str("state", KeyStateName(k.state))
      .Str("disabled_reason", k.disabled_reason)
      .Int("cooldown_until_micros", k.cooldown_until_micros)
      .Int("in_flight", k.in_flight)
      .Int("requests", k.requests)
      .Int("successes", k.successes)
      .Int("http_429", k.http_429)
      .Int("auth_errors", k.auth_errors)
      .Int("quota_errors", k.quota_errors)
      .Int("server_errors", k.server_errors)
      .Int("network_errors", k.network_errors)
      .Int("other_errors", k.other_errors)
      .Int("tokens_in", k.tokens_in)
      .Int("tokens_out", k.tokens_out)
      .Double("success_rate", k.success_rate)
      .Int("latency_p50_ms", k.latency_p50.count())
      .Int("latency_p90_ms", k.latency_p90.count())
      .Int("latency_p99_ms", k.latency_p99.count())
      .Str("last_error", k.last_error)
      .Int("last_error_micros", k.last_error_micros)
      .Str("last_error_request_id", k.last_error_request_id)
      .Finish();
}

std::string KeyListJson(const std::vector<KeyHealth>& keys) {
  std::string out = "[";
  for (const KeyHealth& k : keys) {
    if (out.size() > 1) out.push_back(',');
    out += KeyHealthJson(k);
  }
  out.push_back(']');
  return out;
}

}  // namespace llmgate::c_api
