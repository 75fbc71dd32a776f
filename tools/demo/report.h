// The demo's report: what the workers did, what the shared cache saved, the 429s seen from
// both ends, how much of the server's limit was used, and the key pool's view of each key.
#ifndef LLMGATE_TOOLS_DEMO_REPORT_H_
#define LLMGATE_TOOLS_DEMO_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "demo/mock_stats.h"
#include "demo/worker_tally.h"
#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "llmgate/keys.h"

namespace llmgate::demo {

struct ReportInputs {
  int workers = 0;
  int seconds = 0;             // length of the run
  int64_t run_start_s = 0;     // unix second the workers started
  WorkerTally tally;           // every worker's, merged
  CacheStats cache;            // shared counters from cache.db
  SharedClientStats client;    // shared counters from quota.db
  std::vector<KeyHealth> keys; // the key pool's view
  ServerStats server;          // the mock server's own counts
};

std::string FormatReport(ReportInputs in);

// The server's 429s and 401s to the keys llmgate was given (not to the other team's).
void CountsToDemoKeys(const ServerStats& server, int64_t* http_429, int64_t* http_401);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_REPORT_H_
