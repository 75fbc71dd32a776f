#include "py_options.h"

#include <chrono>
#include <string>
#include <utility>

#include "py_callbacks.h"
#include "py_convert.h"
#include "py_errors.h"

namespace llmgate::python {
namespace {

std::string Text(py::handle v, const std::string& name) {
  if (!py::isinstance<py::str>(v)) throw py::type_error(name + " must be a str");
  return v.cast<std::string>();
}

bool Flag(py::handle v, const std::string& name) {
  if (!py::isinstance<py::bool_>(v)) throw py::type_error(name + " must be a bool");
  return v.cast<bool>();
}

int64_t Int(py::handle v, const std::string& name) {
  if (!py::isinstance<py::int_>(v) || py::isinstance<py::bool_>(v)) throw py::type_error(name + " must be an int");
  return v.cast<int64_t>();
}

py::object Callable(py::handle v, const std::string& name) {
  if (!v.is_none() && !PyCallable_Check(v.ptr())) throw py::type_error(name + " must be callable");
  return py::reinterpret_borrow<py::object>(v);
}

std::chrono::seconds WholeSeconds(py::handle v, const std::string& name) {
  return std::chrono::duration_cast<std::chrono::seconds>(Millis(v, name.c_str()));
}

KeyPolicy PolicyFrom(py::handle v) {
  const std::string name = Text(v, "key_policy");
  if (name == "most_headroom") return KeyPolicy::kMostHeadroom;
  if (name == "round_robin") return KeyPolicy::kRoundRobin;
  throw py::value_error("key_policy must be 'most_headroom' or 'round_robin'");
}

// LLMGATE_LIMITS text, or a list of specs (as Gate(limits=...) takes them).
std::string SpecText(py::handle v, const std::string& name) {
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (!py::isinstance<py::list>(v) && !py::isinstance<py::tuple>(v)) {
    throw py::type_error(name + " must be a str or a list of str");
  }
  std::string text;
  for (py::handle spec : v) {
    if (!text.empty()) text += ",";
    text += Text(spec, name + " entries");
  }
  return text;
}

std::vector<ApiKeySpec> KeysFrom(py::handle v) {
  if (py::isinstance<py::str>(v) || !py::isinstance<py::iterable>(v)) {
    throw py::type_error("keys must be a list of keys (each a str or a dict)");
  }
  std::vector<ApiKeySpec> keys;
  for (py::handle key : v) keys.push_back(KeySpecFrom(key));
  return keys;
}

LogLevel LevelFrom(py::handle v) {
  const std::string name = Text(v, "log_level");
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  throw py::value_error("log_level must be 'debug', 'info', 'warning' or 'error'");
}

}  // namespace

std::vector<Limit> LimitsFromSpecs(const std::string& specs) {
  Result<std::vector<Limit>> limits = ParseLimits(specs);
  if (!limits.ok()) Raise(limits.status());
  return std::move(limits).value();
}

ApiKeySpec KeySpecFrom(py::handle key) {
  ApiKeySpec spec;
  if (py::isinstance<py::str>(key)) {
    spec.key = key.cast<std::string>();
  } else if (py::isinstance<py::dict>(key)) {
    for (auto [name, value] : py::reinterpret_borrow<py::dict>(key)) {
      const std::string k = Text(name, "a key field name");
      if (value.is_none()) continue;  // as if not given: the default
      if (k == "key") spec.key = Text(value, k);
      else if (k == "label") spec.label = Text(value, k);
      else if (k == "base_url") spec.base_url = Text(value, k);
      else if (k == "organization") spec.organization = Text(value, k);
      else if (k == "project") spec.project = Text(value, k);
      else if (k == "limits") {
        spec.limits = LimitsFromSpecs(SpecText(value, k));
        for (const Limit& l : spec.limits) {
          if (!l.scope.empty()) {
            Raise(InvalidArgumentError("a key's limits apply to the key and name no scope (got '" + l.scope + "')"));
          }
        }
      } else {
        throw py::type_error("unexpected key field '" + k +
                             "' (want key, label, base_url, organization, project or limits)");
      }
    }
  } else {
    throw py::type_error("a key is a str or a dict with a 'key'");
  }
  if (spec.key.empty()) Raise(InvalidArgumentError("an API key may not be empty"));
  return spec;
}

Options OptionsFromDict(const py::dict& kwargs) {
  Options o;
  for (auto [key, value] : kwargs) {
    const std::string k = key.cast<std::string>();
    if (k == "state_dir") o.state_dir = Text(value, k);
    else if (k == "share_with_group") o.share_with_group = Flag(value, k);
    else if (k == "sync_full") o.sync = Flag(value, k) ? SyncMode::kFull : SyncMode::kNormal;
    else if (k == "busy_timeout") o.busy_timeout = Millis(value, "busy_timeout");
    else if (k == "force_manual_checkpoint") o.force_manual_checkpoint = Flag(value, k);
    else if (k == "wal_checkpoint_pages") o.wal_checkpoint_pages = Int(value, k);
    else if (k == "cache_enabled") o.cache_enabled = Flag(value, k);
    else if (k == "base_url") o.base_url = Text(value, k);
    else if (k == "cache_namespace") o.cache_namespace = Text(value, k);
    else if (k == "cache_max_bytes") o.cache_max_bytes = Int(value, k);
    else if (k == "cache_default_ttl") o.cache_default_ttl = WholeSeconds(value, k);
    else if (k == "cache_normalize_whitespace") o.cache_normalize_whitespace = Flag(value, k);
    else if (k == "cache_single_flight") o.cache_single_flight = Flag(value, k);
    else if (k == "cache_flush_interval") o.cache_flush_interval = Millis(value, "cache_flush_interval");
    else if (k == "cache_flush_batch") o.cache_flush_batch = static_cast<int>(Int(value, k));
    else if (k == "cache_access_granularity") o.cache_access_granularity = WholeSeconds(value, k);
    else if (k == "limits") o.limits = LimitsFromSpecs(Text(value, k));
    else if (k == "limits_from_env") o.limits_from_env = Flag(value, k);
    else if (k == "limits_file") o.limits_file = Text(value, k);
    else if (k == "default_scope") o.default_scope = Text(value, k);
    else if (k == "on_wait") o.on_wait = MakeWaitCallback(Callable(value, k));
    else if (k == "api_key") o.api_key = Text(value, k);
    else if (k == "organization") o.organization = Text(value, k);
    else if (k == "project") o.project = Text(value, k);
    else if (k == "azure_api_version") {
      o.api_style = ApiStyle::kAzure;
      o.azure_api_version = Text(value, k);
    } else if (k == "connect_timeout") o.connect_timeout = Millis(value, "connect_timeout");
    else if (k == "request_timeout") o.request_timeout = Millis(value, "request_timeout");
    else if (k == "call_timeout") o.call_timeout = Millis(value, "call_timeout");
    else if (k == "max_attempts") o.max_attempts = static_cast<int>(Int(value, k));
    else if (k == "verify_tls") o.verify_tls = Flag(value, k);
    else if (k == "ca_file") o.ca_file = Text(value, k);
    else if (k == "on_retry") o.on_retry = MakeRetryCallback(Callable(value, k));
    else if (k == "tokenizer") o.tokenizer = MakeTokenizer(Callable(value, k));
    else if (k == "default_completion_tokens") o.default_completion_tokens = Int(value, k);
    else if (k == "learn_limits") o.learn_limits = Flag(value, k);
    else if (k == "keys") o.keys = KeysFrom(value);
    else if (k == "keys_file") o.keys_file = Text(value, k);
    else if (k == "keys_from_env") o.keys_from_env = Flag(value, k);
    else if (k == "key_policy") o.key_policy = PolicyFrom(value);
    else if (k == "key_max_in_flight") o.key_max_in_flight = static_cast<int>(Int(value, k));
    else if (k == "key_failure_threshold") o.key_failure_threshold = static_cast<int>(Int(value, k));
    else if (k == "key_failure_cooldown") o.key_failure_cooldown = Millis(value, "key_failure_cooldown");
    else if (k == "log") o.log_sink = MakeLogSink(Callable(value, k));
    else if (k == "log_level") o.log_level = LevelFrom(value);
    else throw py::type_error("Gate() got an unexpected option '" + k + "'");
  }
  return o;
}

CallOptions CallOptionsFromDict(const py::dict& kwargs) {
  CallOptions o;
  for (auto [key, value] : kwargs) {
    const std::string k = key.cast<std::string>();
    if (k == "timeout") o.timeout = Millis(value, "timeout");
    else if (k == "max_attempts") o.max_attempts = static_cast<int>(Int(value, k));
    else if (k == "idempotency_key") o.idempotency_key = Text(value, k);
    else if (k == "skip_cache_read") o.cache.skip_read = Flag(value, k);
    else if (k == "skip_cache_write") o.cache.skip_write = Flag(value, k);
    else if (k == "cache_ttl") o.cache.ttl = WholeSeconds(value, k);
    else if (k == "cache_namespace") o.cache.cache_namespace = Text(value, k);
    else if (k == "headers") {
      if (!py::isinstance<py::dict>(value)) throw py::type_error("headers must be a dict of str to str");
      for (auto [name, v] : py::reinterpret_borrow<py::dict>(value)) {
        o.headers.emplace_back(Text(name, "a header name"), Text(v, "a header value"));
      }
    } else {
      throw py::type_error("got an unexpected call option '" + k + "'");
    }
  }
  return o;
}

CacheControl CacheControlFromDict(const py::dict& kwargs) {
  CacheControl c;
  for (auto [key, value] : kwargs) {
    const std::string k = key.cast<std::string>();
    if (k == "skip_read") c.skip_read = Flag(value, k);
    else if (k == "skip_write") c.skip_write = Flag(value, k);
    else if (k == "ttl") c.ttl = WholeSeconds(value, k);
    else if (k == "namespace") c.cache_namespace = Text(value, k);
    else throw py::type_error("got an unexpected cache option '" + k + "'");
  }
  return c;
}

}  // namespace llmgate::python
