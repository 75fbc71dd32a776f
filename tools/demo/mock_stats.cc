#include "demo/mock_stats.h"

namespace llmgate::demo {

bool FetchServerStats(const std::string& origin, ServerStats* stats, std::string* error) {
  // since 0: the whole series the mock keeps, as the report charts the full run.
  return mock::MockClient(origin).FetchStats(0, stats, error);
}

}  // namespace llmgate::demo
