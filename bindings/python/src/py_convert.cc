#include "py_convert.h"

#include <cmath>
#include <string>

namespace llmgate::python {

py::str Str(std::string_view text) {
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

std::chrono::milliseconds Millis(py::handle seconds, const char* what) {
  if (!py::isinstance<py::int_>(seconds) && !py::isinstance<py::float_>(seconds)) {
    throw py::type_error(std::string(what) + " must be a number of seconds");
  }
  const double s = seconds.cast<double>();
  if (!std::isfinite(s) || s < 0) throw py::value_error(std::string(what) + " must be >= 0 seconds");
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(s * 1000)));
}

py::dict UsageDict(const Usage& u) {
  py::dict d;
  d["prompt_tokens"] = u.prompt_tokens;
  d["completion_tokens"] = u.completion_tokens;
  d["total_tokens"] = u.total_tokens;
  d["images"] = u.images;
  return d;
}

py::dict CacheStatsDict(const CacheStats& s) {
  py::dict d;
  d["entries"] = s.entries;
  d["bytes"] = s.bytes;
  d["hits"] = s.hits;
  d["misses"] = s.misses;
  d["tokens_saved"] = s.tokens_saved;
  d["evictions"] = s.evictions;
  d["expirations"] = s.expirations;
  d["errors"] = s.errors;
  d["rebuilds"] = s.rebuilds;
  return d;
}

py::dict ClientStatsDict(const ClientStats& s) {
  py::dict d;
  d["calls"] = s.calls;
  d["cache_hits"] = s.cache_hits;
  d["http_attempts"] = s.http_attempts;
  d["retries"] = s.retries;
  d["http_429"] = s.http_429;
  d["failures"] = s.failures;
  d["prompt_tokens"] = s.prompt_tokens;
  d["completion_tokens"] = s.completion_tokens;
  return d;
}

py::dict SharedClientStatsDict(const SharedClientStats& s) {
  py::dict d;
  d["retries"] = s.retries;
  d["http_429"] = s.http_429;
  d["failures"] = s.failures;
  d["waits"] = s.waits;
  d["wait_millis"] = s.wait_millis;
  return d;
}

py::dict LimitUsageDict(const LimitUsage& u) {
  const Limit& l = u.limit;
  py::dict d;
  d["scope"] = Str(l.scope);
  d["dimension"] = Str(l.dimension);
  d["name"] = Str(u.name);
  d["limit"] = l.limit;
  d["window"] = Seconds(l.window);
  d["burst"] = l.burst;
  d["kind"] = l.kind == WindowKind::kCalendar ? "calendar" : "rolling";
  d["calendar_offset"] = Seconds(l.calendar_offset);
  d["source"] = l.source == LimitSource::kLearned ? "learned" : "configured";
  d["used"] = u.used;
  d["remaining"] = u.remaining;
  d["reset"] = EpochSeconds(u.reset_micros);
  return d;
}

py::list LimitUsageList(const std::vector<LimitUsage>& usage) {
  py::list out;
  for (const LimitUsage& u : usage) out.append(LimitUsageDict(u));
  return out;
}

py::dict KeyHealthDict(const KeyHealth& k) {
  py::dict d;
  d["fingerprint"] = Str(k.fingerprint);
  d["label"] = Str(k.label);
  d["group"] = Str(k.group);
  d["state"] = Str(KeyStateName(k.state));
  d["disabled_reason"] = Str(k.disabled_reason);
  d["cooldown_until_micros"] = k.cooldown_until_micros;
  d["in_flight"] = k.in_flight;
  d["requests"] = k.requests;
  d["successes"] = k.successes;
  d["http_429"] = k.http_429;
  d["auth_errors"] = k.auth_errors;
  d["quota_errors"] = k.quota_errors;
  d["server_errors"] = k.server_errors;
  d["network_errors"] = k.network_errors;
  d["other_errors"] = k.other_errors;
  d["tokens_in"] = k.tokens_in;
  d["tokens_out"] = k.tokens_out;
  d["success_rate"] = k.success_rate;
  d["latency_p50_ms"] = static_cast<int64_t>(k.latency_p50.count());
  d["latency_p90_ms"] = static_cast<int64_t>(k.latency_p90.count());
  d["latency_p99_ms"] = static_cast<int64_t>(k.latency_p99.count());
  d["last_error"] = Str(k.last_error);
  d["last_error_micros"] = k.last_error_micros;
  d["last_error_request_id"] = Str(k.last_error_request_id);
  return d;
}

py::list KeyHealthList(const std::vector<KeyHealth>& keys) {
  py::list out;
  for (const KeyHealth& k : keys) out.append(KeyHealthDict(k));
  return out;
}

std::vector<Cost> CostsFromDict(const py::dict& cost) {
  std::vector<Cost> out;
  for (auto [name, amount] : cost) {
    if (!py::isinstance<py::str>(name) || !py::isinstance<py::int_>(amount)) {
      throw py::type_error("a cost maps dimension names (str) to amounts (int)");
    }
    out.push_back({name.cast<std::string>(), amount.cast<int64_t>()});
  }
  return out;
}

py::dict CostsDict(const std::vector<Cost>& costs) {
  py::dict d;
  for (const Cost& c : costs) d[Str(c.dimension)] = c.amount;
  return d;
}

}  // namespace llmgate::python
