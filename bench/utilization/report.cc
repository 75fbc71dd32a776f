#include "utilization/report.h"

#include <algorithm>
#include <cstdio>

namespace llmgate::bench {
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

SideResult Summarize(Side side, const PhaseTiming& timing, int64_t rpm_limit, int64_t tpm_limit,
                     const std::vector<SecondStats>& series, const std::vector<ProcessTally>& tallies) {
  SideResult r;
  r.side = side;
  r.timing = timing;
  r.rpm_limit = rpm_limit;
  r.tpm_limit = tpm_limit;
  const int64_t window_end_s = timing.window_start_s + timing.window_s;
  const size_t rows = static_cast<size_t>(std::max<int64_t>(0, timing.end_s - timing.start_s + 1));
  r.per_second.resize(rows);
  r.failed_per_second.assign(rows, 0);
  for (size_t i = 0; i < rows; ++i) r.per_second[i].t = static_cast<int64_t>(i);

  for (const SecondStats& s : series) {
    r.phase_requests += s.requests;
    r.phase_http_429 += s.http_429;
    if (s.t >= timing.window_start_s && s.t < window_end_s) {
      r.requests += s.requests;
      r.admitted_requests += s.admitted_requests;
      r.admitted_tokens += s.admitted_tokens;
      r.http_429 += s.http_429;
    }
    if (s.t >= timing.start_s && s.t <= timing.end_s) {
      SecondStats& row = r.per_second[static_cast<size_t>(s.t - timing.start_s)];
      row.requests += s.requests;
      row.admitted_requests += s.admitted_requests;
      row.admitted_tokens += s.admitted_tokens;
      row.http_429 += s.http_429;
    }
  }
  for (const ProcessTally& tally : tallies) {
    r.calls_ok += tally.calls_ok;
    r.attempts += tally.attempts;
    r.client_429 += tally.client_429;
    r.phase_failed += tally.calls_failed;
    if (r.first_error.empty()) r.first_error = tally.first_error;
    for (const auto& [t, n] : tally.failed_at) {
      if (t >= timing.window_start_s && t < window_end_s) r.failed += n;
      if (t >= timing.start_s && t <= timing.end_s) r.failed_per_second[static_cast<size_t>(t - timing.start_s)] += n;
    }
  }
  // What the limits allow in the window once the initial burst is spent: the refill.
  const double minutes = timing.window_s / 60.0;
  r.rpm_ratio = static_cast<double>(r.admitted_requests) / (static_cast<double>(rpm_limit) * minutes);
  r.tpm_ratio = static_cast<double>(r.admitted_tokens) / (static_cast<double>(tpm_limit) * minutes);
  return r;
}

std::string SideJson(const SideResult& r) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"rpm_ratio\":%.4f, \"tpm_ratio\":%.4f, \"http_429\":%lld, \"failed\":%lld, \"requests\":%lld, "
                "\"binding_ratio\":%.4f, \"http_429_share\":%.4f, \"admitted_requests\":%lld, "
                "\"admitted_tokens\":%lld, \"window_start_s\":%lld, \"phase_requests\":%lld, "
                "\"phase_http_429\":%lld, \"phase_failed\":%lld, \"calls_ok\":%lld, \"attempts\":%lld",
                r.rpm_ratio, r.tpm_ratio, static_cast<long long>(r.http_429), static_cast<long long>(r.failed),
                static_cast<long long>(r.requests), std::max(r.rpm_ratio, r.tpm_ratio),
                r.requests > 0 ? static_cast<double>(r.http_429) / static_cast<double>(r.requests) : 0.0,
                static_cast<long long>(r.admitted_requests), static_cast<long long>(r.admitted_tokens),
                static_cast<long long>(r.timing.window_start_s - r.timing.start_s),
                static_cast<long long>(r.phase_requests), static_cast<long long>(r.phase_http_429),
                static_cast<long long>(r.phase_failed), static_cast<long long>(r.calls_ok),
                static_cast<long long>(r.attempts));
  std::string out = buf;
  if (!r.first_error.empty()) out += ", \"first_error\":" + JsonString(r.first_error.substr(0, 300));
  return out + "}";
}

bool WriteCsv(const std::string& path, const SideResult& r, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    *error = "cannot write " + path;
    return false;
  }
  std::fprintf(f, "t,admitted_requests,admitted_tokens,http_429,requests,failed\n");
  for (size_t i = 0; i < r.per_second.size(); ++i) {
    const SecondStats& s = r.per_second[i];
    std::fprintf(f, "%lld,%lld,%lld,%lld,%lld,%lld\n", static_cast<long long>(s.t),
                 static_cast<long long>(s.admitted_requests), static_cast<long long>(s.admitted_tokens),
                 static_cast<long long>(s.http_429), static_cast<long long>(s.requests),
                 static_cast<long long>(r.failed_per_second[i]));
  }
  if (std::fclose(f) != 0) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace llmgate::bench
