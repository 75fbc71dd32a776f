#include "demo/report.h"

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>

#include "demo/mock_setup.h"

namespace llmgate::demo {
namespace {

// printf into a growing string.
void Add(std::string* out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void Add(std::string* out, const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  *out += buf;
}

long long L(int64_t v) { return static_cast<long long>(v); }

double Share(int64_t part, int64_t whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

std::string KeyReason(const KeyHealth& k) {
  if (k.state == KeyState::kDisabled) return k.disabled_reason;
  if (k.state == KeyState::kCoolingDown) {
    const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f s left", std::max<int64_t>(0, k.cooldown_until_micros - now_us) / 1e6);
    return buf;
  }
  return "";
}

void Requests(const ReportInputs& in, std::string* r) {
  const WorkerTally& t = in.tally;
  Add(r, "Requests (the workers' calls)\n");
  Add(r, "  calls              %7lld   %lld streamed, %lld bursts\n", L(t.calls), L(t.streams), L(t.bursts));
  Add(r, "  cache hits         %7lld   %.1f %% of calls\n", L(t.cache_hits), Share(t.cache_hits, t.calls));
  Add(r, "  single-flight      %7lld   calls that waited for the same prompt under way in another call\n",
      L(in.client.single_flight_waits));
  Add(r, "  server answers     %7lld\n", L(t.server_answers));
  Add(r, "  failed             %7lld%s%s\n", L(t.failed), t.first_error.empty() ? "" : "   first: ",
      t.first_error.substr(0, 160).c_str());
  Add(r, "  cut short at end   %7lld   in flight or waiting for quota when the run ended (cancelled)\n", L(t.cut_short));
  Add(r, "  shared cache       %7lld entries, %lld hits, %lld misses, %lld tokens saved (cache.db)\n",
      L(in.cache.entries), L(in.cache.hits), L(in.cache.misses), L(in.cache.tokens_saved));
}

void RateLimits(const ReportInputs& in, std::string* r) {
  int64_t to_llmgate = 0, unauthorized = 0, other = 0;
  CountsToDemoKeys(in.server, &to_llmgate, &unauthorized);
  if (auto it = in.server.keys.find(MockLabel(OtherTeamKey().key)); it != in.server.keys.end()) other = it->second.http_429;
  Add(r, "\n429s\n");
  Add(r, "  met by llmgate     %7lld   every process, from quota.db (%lld retries, %lld waits for quota or keys)\n",
      L(in.client.http_429), L(in.client.retries), L(in.client.waits));
  Add(r, "  sent by the server %7lld   to llmgate's keys, by the server's count (GET /_mock/stats); and %lld 401s\n",
      L(to_llmgate), L(unauthorized));
  Add(r, "  to the other team  %7lld   whose key keeps org-slow's limit used up\n", L(other));
}

void Utilization(const ReportInputs& in, std::string* r) {
  ServerCounts org;
  if (auto it = in.server.orgs.find(kMainOrg); it != in.server.orgs.end()) org = it->second;
  // A bucket starts full and refills limit/60 per second: over the run the server could
  // admit at most a full bucket plus the refill.
  const double rpm_cap = kMainRpm + kMainRpm / 60.0 * in.seconds;
  const double tpm_cap = kMainTpm + kMainTpm / 60.0 * in.seconds;
  Add(r, "\nUtilization of %s's limits (RPM %lld, TPM %lld; the server's count over %d s)\n", kMainOrg, L(kMainRpm),
      L(kMainTpm), in.seconds);
  const double rpm_use = 100.0 * org.admitted_requests / rpm_cap, tpm_use = 100.0 * org.admitted_tokens / tpm_cap;
  // Only one limit binds at a time (the other cannot be reached first): that one is the measure.
  Add(r, "  requests %7lld admitted of at most %.0f (a full bucket + %.1f/s refill): %5.1f %%%s\n",
      L(org.admitted_requests), rpm_cap, kMainRpm / 60.0, rpm_use, rpm_use >= tpm_use ? "  <- binding" : "");
  Add(r, "  tokens   %7lld admitted of at most %.0f (a full bucket + %.1f/s refill): %5.1f %%%s\n",
      L(org.admitted_tokens), tpm_cap, kMainTpm / 60.0, tpm_use, tpm_use > rpm_use ? "  <- binding" : "");
  // The second half of the run shows the steady state, once the initial bucket is spent.
  const int64_t begin = in.run_start_s + (in.seconds + 1) / 2, end = in.run_start_s + in.seconds;
  if (end - begin >= 2) {
    int64_t requests = 0, tokens = 0;
    for (const ServerSecond& s : in.server.series) {
      if (s.org == kMainOrg && s.t >= begin && s.t < end) requests += s.admitted_requests, tokens += s.admitted_tokens;
    }
    const double secs = static_cast<double>(end - begin);
    Add(r, "  seconds %lld-%lld: %.1f requests/s of %.1f (%.0f %%), %.0f tokens/s of %.0f (%.0f %%)\n",
        L(begin - in.run_start_s), L(end - in.run_start_s - 1), requests / secs, kMainRpm / 60.0,
        100.0 * requests / secs / (kMainRpm / 60.0), tokens / secs, kMainTpm / 60.0,
        100.0 * tokens / secs / (kMainTpm / 60.0));
  }
}

void Keys(const ReportInputs& in, std::string* r) {
  Add(r, "\nKeys (gate->keys().List(): what every process knows)\n");
  Add(r, "  %-8s %-14s %-13s %-16s %8s %8s %6s %7s %7s\n", "label", "group", "state", "reason", "requests",
      "ok", "429s", "p50 ms", "p99 ms");
  std::vector<KeyHealth> keys = in.keys;
  std::sort(keys.begin(), keys.end(), [](const KeyHealth& a, const KeyHealth& b) { return a.label < b.label; });
  for (const KeyHealth& k : keys) {
    Add(r, "  %-8s %-14s %-13s %-16s %8lld %8lld %6lld %7lld %7lld\n", k.label.c_str(),
        k.group.empty() ? "-" : k.group.c_str(), std::string(KeyStateName(k.state)).c_str(), KeyReason(k).c_str(),
        L(k.requests), L(k.successes), L(k.http_429), static_cast<long long>(k.latency_p50.count()),
        static_cast<long long>(k.latency_p99.count()));
  }
}

void Latency(ReportInputs& in, std::string* r) {
  std::vector<double>& hits = in.tally.hit_micros;
  std::vector<double>& answers = in.tally.answer_millis;
  Add(r, "\nLatency of a call (ChatCompletions, measured by the workers)\n");
  Add(r, "  cache hit      p50 %8.1f us   p99 %8.1f us   (%zu hits)\n", Percentile(hits, 50), Percentile(hits, 99),
      hits.size());
  Add(r, "  server answer  p50 %8.1f ms   p99 %8.1f ms   (%zu answers; waits for quota included)\n",
      Percentile(answers, 50), Percentile(answers, 99), answers.size());
}

}  // namespace

void CountsToDemoKeys(const ServerStats& server, int64_t* http_429, int64_t* http_401) {
  // The server counts per key: llmgate's four keys, apart from the other team's.
  *http_429 = *http_401 = 0;
  for (const DemoKey& k : DemoKeys()) {
    if (auto it = server.keys.find(MockLabel(k.key)); it != server.keys.end()) {
      *http_429 += it->second.http_429;
      *http_401 += it->second.http_401;
    }
  }
}

std::string FormatReport(ReportInputs in) {
  std::string r;
  Requests(in, &r);
  RateLimits(in, &r);
  Utilization(in, &r);
  Keys(in, &r);
  Latency(in, &r);
  return r;
}

}  // namespace llmgate::demo
