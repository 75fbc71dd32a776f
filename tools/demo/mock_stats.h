// What the mock server saw (GET /_mock/stats): the server's side of every count in the
// report, so the demo does not take llmgate's word for its own 429s and utilization.
#ifndef LLMGATE_TOOLS_DEMO_MOCK_STATS_H_
#define LLMGATE_TOOLS_DEMO_MOCK_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmgate::demo {

// One counter set of the server (the totals, one key, one organization).
struct ServerCounts {
  int64_t requests = 0;
  int64_t ok = 0;
  int64_t http_429 = 0;  // rate limited (and insufficient_quota)
  int64_t http_401 = 0;
  int64_t admitted_requests = 0;
  int64_t admitted_tokens = 0;
};

// One second of one key.
struct ServerSecond {
  int64_t t = 0;  // unix second
  std::string key;
  std::string org;
  int64_t requests = 0;
  int64_t admitted_requests = 0;
  int64_t admitted_tokens = 0;
  int64_t http_429 = 0;
};

struct ServerStats {
  ServerCounts totals;
  std::map<std::string, ServerCounts> keys;  // by the mock's label, "..." + last 4 characters
  std::map<std::string, ServerCounts> orgs;
  std::vector<ServerSecond> series;
};

// Fetches and parses origin + "/_mock/stats". Needs curl_global_init to have run.
bool FetchServerStats(const std::string& origin, ServerStats* stats, std::string* error);

// Parses the JSON of /_mock/stats (exposed for tests of the parser).
bool ParseServerStats(const std::string& json, ServerStats* stats, std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_MOCK_STATS_H_
