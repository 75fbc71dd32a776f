#include "cli/text_views.h"

#include <chrono>
#include <ctime>

#include "cli/text_format.h"
#include "limit/limit_spec.h"
#include "util/report_fields.h"

namespace llmgate::cli {
namespace {

std::string N(int64_t v) { return std::to_string(v); }

std::string Ms(std::chrono::milliseconds d) { return d.count() > 0 ? N(d.count()) : "-"; }

std::string StateText(const KeyHealth& k, int64_t now) {
  std::string state(KeyStateName(k.state));
  if (k.state == KeyState::kCoolingDown) state += " (" + HumanDuration(k.cooldown_until_micros - now) + ")";
  if (k.state == KeyState::kDisabled && !k.disabled_reason.empty()) state += " (" + k.disabled_reason + ")";
  return state;
}

std::string LastError(const KeyHealth& k, int64_t now) {
  if (k.last_error.empty()) return "-";
  std::string text = k.last_error;
  if (k.last_error_micros > 0) text = HumanDuration(now - k.last_error_micros) + " ago: " + text;
  // Errors can be long and multi-line; the screen keeps one line per key.
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return Truncate(text, 60);
}

std::string UtcTime(int64_t micros) {
  const std::time_t t = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

std::string LimitsTable(const std::vector<LimitUsage>& limits, int64_t now_micros) {
  if (limits.empty()) return "  (no limits stored: configure them with $LLMGATE_LIMITS or learn them from answers)\n";
  Table t({"SCOPE", "LIMIT", "SOURCE", "USED / LIMIT", "REMAINING", "RESET IN"});
  for (const LimitUsage& u : limits) {
    std::string name = u.name;
    if (u.limit.kind == WindowKind::kCalendar) {
      // As LLMGATE_LIMITS spells it: a day that starts at 09:00 UTC is "calendar+9h".
      const int64_t offset = u.limit.calendar_offset.count();
      name += offset > 0 ? " (calendar+" + internal::FormatDuration(offset) + ")" : " (calendar)";
    }
    const int64_t reset_in = u.reset_micros - now_micros;
    t.Add({u.limit.scope, name, std::string(internal::LimitSourceName(u.limit.source)),
           N(u.used) + " / " + N(u.limit.limit), N(u.remaining), reset_in > 0 ? HumanDuration(reset_in) : "-"});
  }
  return t.Render();
}

std::string KeysTable(const std::vector<KeyHealth>& keys, int64_t now_micros, bool with_fingerprints) {
  if (keys.empty()) return "  (no keys recorded: a gate records the keys it is given)\n";
  std::vector<std::string> header = {"LABEL"};
  if (with_fingerprints) header.push_back("FINGERPRINT");
  for (const char* h : {"GROUP", "STATE", "IN FLIGHT", "REQUESTS", "SUCCESS", "429", "P50 MS", "P99 MS", "LAST ERROR"})
    header.push_back(h);
  Table t(std::move(header));
  for (const KeyHealth& k : keys) {
    std::vector<std::string> row = {k.label};
    if (with_fingerprints) row.push_back(k.fingerprint);
    for (std::string cell :
         {k.group.empty() ? std::string("-") : k.group, StateText(k, now_micros), N(k.in_flight), N(k.requests),
          k.requests > 0 ? Percent(k.success_rate) : std::string("-"), N(k.http_429), Ms(k.latency_p50),
          Ms(k.latency_p99), LastError(k, now_micros)})
      row.push_back(std::move(cell));
    t.Add(std::move(row));
  }
  return t.Render();
}

std::string CacheTable(const CacheStats& c) {
  Table t({"ENTRIES", "BYTES", "HITS", "MISSES", "HIT RATE", "TOKENS SAVED", "EVICTED", "EXPIRED", "ERRORS",
           "REBUILDS"});
  t.Add({N(c.entries), HumanBytes(c.bytes), N(c.hits), N(c.misses), Percent(Ratio(c.hits, c.hits + c.misses)),
         N(c.tokens_saved), N(c.evictions), N(c.expirations), N(c.errors), N(c.rebuilds)});
  return t.Render();
}

std::string ClientTable(const SharedClientStats& c) {
  Table t({"RETRIES", "429", "FAILED CALLS", "WAITS", "WAITED", "WAITED FOR IDENTICAL"});
  t.Add({N(c.retries), N(c.http_429), N(c.failures), N(c.waits), HumanDuration(c.wait_millis * 1000),
         N(c.single_flight_waits)});
  return t.Render();
}

std::string StatusScreen(const Snapshot& s) {
  std::string out = "llmgate status  " + s.state_dir + "  " + UtcTime(s.now_micros) + "\n";
  out += "\nLimits\n" + LimitsTable(s.limits, s.now_micros);
  out += "\nKeys\n" + KeysTable(s.keys, s.now_micros, false);
  out += "\nCache\n" + CacheTable(s.cache);
  out += "\nClient (every process)\n" + ClientTable(s.client);
  return out;
}

}  // namespace llmgate::cli
