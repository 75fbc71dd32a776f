#include "utilization/mock_control.h"

#include <map>

namespace llmgate::bench {

bool MockControl::Series(int64_t since, std::vector<SecondStats>* series, std::string* error) {
  mock::MockStats stats;
  if (!client_.FetchStats(since, &stats, error)) return false;
  // The mock keeps one entry per second and key; the benchmark's quota is over all keys.
  std::map<int64_t, SecondStats> by_second;
  for (const mock::MockSecond& entry : stats.series) {
    SecondStats& s = by_second[entry.t];
    s.t = entry.t;
    s.requests += entry.requests;
    s.admitted_requests += entry.admitted_requests;
    s.admitted_tokens += entry.admitted_tokens;
    s.http_429 += entry.http_429;
  }
  series->clear();
  for (const auto& [t, s] : by_second) series->push_back(s);
  return true;
}

}  // namespace llmgate::bench
