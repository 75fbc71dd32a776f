// The mock server's control endpoints: what the benchmark counts is what the server saw.
// A thin face on mock::MockClient (tests/mock_openai/mock_client.h) that sums the server's
// per-key series into seconds, the unit the report works in.
#ifndef LLMGATE_BENCH_UTILIZATION_MOCK_CONTROL_H_
#define LLMGATE_BENCH_UTILIZATION_MOCK_CONTROL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mock_openai/mock_client.h"

namespace llmgate::bench {

// One second of the server's stats, summed over keys.
struct SecondStats {
  int64_t t = 0;  // unix second
  int64_t requests = 0;
  int64_t admitted_requests = 0;
  int64_t admitted_tokens = 0;
  int64_t http_429 = 0;
};

class MockControl {
 public:
  explicit MockControl(std::string origin) : client_(std::move(origin)) {}

  // POST /_mock/reset: zeroes the stats and refills every bucket.
  bool Reset(std::string* error) { return client_.Reset(error); }

  // GET /_mock/stats?since=`since`: the per-second series, one entry per second that saw
  // requests, in time order.
  bool Series(int64_t since, std::vector<SecondStats>* series, std::string* error);

 private:
  mock::MockClient client_;
};

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_MOCK_CONTROL_H_
