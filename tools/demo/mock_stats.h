// What the mock server saw (GET /_mock/stats): the server's side of every count in the
// report, so the demo does not take llmgate's word for its own 429s and utilization. The
// client and the types are the mock's own (tests/mock_openai/mock_client.h); these names
// are the demo's.
#ifndef LLMGATE_TOOLS_DEMO_MOCK_STATS_H_
#define LLMGATE_TOOLS_DEMO_MOCK_STATS_H_

#include <string>

#include "mock_openai/mock_client.h"

namespace llmgate::demo {

// One counter set of the server (the totals, one key, one organization).
using ServerCounts = mock::MockCounts;
// One second of one key.
using ServerSecond = mock::MockSecond;
using ServerStats = mock::MockStats;

// Fetches and parses origin + "/_mock/stats". Needs curl_global_init to have run.
bool FetchServerStats(const std::string& origin, ServerStats* stats, std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_MOCK_STATS_H_
