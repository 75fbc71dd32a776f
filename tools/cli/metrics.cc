#include "cli/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <utility>
#include <vector>

#include "cli/text_format.h"
#include "util/report_fields.h"

namespace llmgate::cli {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// One metric family: HELP, TYPE, then its samples (the format wants a family's samples
// in one group, so each family is built whole before it is appended).
class Family {
 public:
  Family(std::string name, const char* type, std::string_view help) : name_(std::move(name)) {
    out_ = "# HELP " + name_ + " " + EscapeHelp(help) + "\n# TYPE " + name_ + " " + type + "\n";
  }
  void Add(const Labels& labels, double value) { AddText(labels, Number(value)); }
  // Integers are written exactly (through a double, counts past 2^53 would round).
  void Add(const Labels& labels, int64_t value) { AddText(labels, std::to_string(value)); }
  const std::string& str() const { return out_; }

 private:
  void AddText(const Labels& labels, const std::string& value) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + value + '\n';
  }
  static std::string Number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // The shortest of 15 or 17 digits that reads back as the same double.
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }

  std::string name_;
  std::string out_;
};

Labels KeyLabels(const KeyHealth& k) { return {{"key", k.label}, {"fingerprint", k.fingerprint}}; }

Labels With(Labels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return labels;
}

Labels LimitLabels(const LimitUsage& u) {
  return {{"scope", u.limit.scope},
          {"dimension", u.limit.dimension},
          {"window", WindowName(u.limit.window.count())},
          {"kind", std::string(internal::WindowKindName(u.limit.kind))},
          {"source", std::string(internal::LimitSourceName(u.limit.source))}};
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderMetrics(const Snapshot& s) {
  // A deque: families are filled through references while later ones are added.
  std::deque<Family> families;
  auto family = [&](const char* name, const char* type, const char* help) -> Family& {
    families.emplace_back(name, type, help);
    return families.back();
  };
  auto counter = [&](const char* name, const char* help, int64_t value) {
    family(name, "counter", help).Add({}, value);
  };
  auto gauge = [&](const char* name, const char* help, int64_t value) {
    family(name, "gauge", help).Add({}, value);
  };

  // ---- Cache (cache.db, every process) ----
  counter("llmgate_cache_hits_total", "Lookups answered from the response cache.", s.cache.hits);
  counter("llmgate_cache_misses_total", "Lookups that found nothing usable in the response cache.", s.cache.misses);
  counter("llmgate_cache_tokens_saved_total", "usage.total_tokens of the responses served from the cache.",
          s.cache.tokens_saved);
  gauge("llmgate_cache_entries", "Responses stored in the cache.", s.cache.entries);
  gauge("llmgate_cache_bytes", "Request and response bytes stored in the cache.", s.cache.bytes);
  counter("llmgate_cache_evictions_total", "Entries removed by the cache size cap.", s.cache.evictions);
  counter("llmgate_cache_expirations_total", "Entries removed because their TTL passed.", s.cache.expirations);
  counter("llmgate_cache_errors_total", "Cache operations that failed and were bypassed.", s.cache.errors);
  counter("llmgate_cache_rebuilds_total", "Times a corrupt cache.db was moved aside and rebuilt.", s.cache.rebuilds);

  // ---- Keys (quota.db, every process) ----
  Family& requests = family("llmgate_key_requests_total", "counter", "HTTP attempts sent with the key.");
  Family& successes = family("llmgate_key_successes_total", "counter", "Attempts answered successfully.");
  Family& errors = family("llmgate_key_errors_total", "counter",
                          "Failed attempts by class: auth (401/403), quota (insufficient_quota), server (5xx, 408, "
                          "409), network, other (other 4xx).");
  Family& limited = family("llmgate_key_429_total", "counter", "Rate-limited (429) answers to the key.");
  Family& tokens = family("llmgate_key_tokens_total", "counter",
                          "Tokens of successful answers: in = prompt, out = completion.");
  Family& latency = family("llmgate_key_latency_ms", "gauge",
                           "Latency quantiles of answered attempts in milliseconds (histogram bucket bounds).");
  Family& in_flight = family("llmgate_key_in_flight", "gauge", "Requests holding a lease on the key now.");
  Family& state = family("llmgate_key_state", "gauge", "1 for the key's current state, 0 for the others.");
  for (const KeyHealth& k : s.keys) {
    const Labels key = KeyLabels(k);
    requests.Add(key, k.requests);
    successes.Add(key, k.successes);
    for (const auto& [cls, n] : {std::pair{"auth", k.auth_errors}, std::pair{"quota", k.quota_errors},
                                 std::pair{"server", k.server_errors}, std::pair{"network", k.network_errors},
                                 std::pair{"other", k.other_errors}})
      errors.Add(With(key, "class", cls), n);
    limited.Add(key, k.http_429);
    tokens.Add(With(key, "direction", "in"), k.tokens_in);
    tokens.Add(With(key, "direction", "out"), k.tokens_out);
    latency.Add(With(key, "quantile", "0.5"), static_cast<int64_t>(k.latency_p50.count()));
    latency.Add(With(key, "quantile", "0.9"), static_cast<int64_t>(k.latency_p90.count()));
    latency.Add(With(key, "quantile", "0.99"), static_cast<int64_t>(k.latency_p99.count()));
    in_flight.Add(key, k.in_flight);
    for (KeyState st : {KeyState::kActive, KeyState::kCoolingDown, KeyState::kDisabled})
      state.Add(With(key, "state", std::string(KeyStateName(st))), int64_t{k.state == st ? 1 : 0});
  }

  // ---- Client (quota.db, every process) ----
  counter("llmgate_client_retries_total", "Retries after a failed attempt.", s.client.retries);
  counter("llmgate_client_429_total", "429 answers met by calls.", s.client.http_429);
  counter("llmgate_client_failures_total", "Calls that ended with an error.", s.client.failures);
  counter("llmgate_client_waits_total", "Waits for quota or for a key to come back.", s.client.waits);
  family("llmgate_client_wait_seconds_total", "counter", "Total length of those waits in seconds.")
      .Add({}, static_cast<double>(s.client.wait_millis) / 1000.0);
  counter("llmgate_client_single_flight_waits_total", "Calls that waited for an identical call under way.",
          s.client.single_flight_waits);

  // ---- Limits (quota.db) ----
  Family& used = family("llmgate_limit_used", "gauge", "Units of the limit in use now.");
  Family& limit = family("llmgate_limit_limit", "gauge", "Units the limit allows per window.");
  Family& remaining = family("llmgate_limit_remaining", "gauge", "The largest cost that passes now.");
  Family& reset = family("llmgate_limit_reset_seconds", "gauge",
                         "Seconds until the bucket is full again (rolling) or the window ends (calendar).");
  for (const LimitUsage& u : s.limits) {
    const Labels labels = LimitLabels(u);
    used.Add(labels, u.used);
    limit.Add(labels, u.limit.limit);
    remaining.Add(labels, u.remaining);
    reset.Add(labels, u.reset_micros > s.now_micros ? static_cast<double>(u.reset_micros - s.now_micros) / 1e6 : 0.0);
  }

  std::string out;
  for (const Family& f : families) out += f.str();
  return out;
}

}  // namespace llmgate::cli
