// The benchmark's workload: a deterministic stream of unique chat completion requests per
// caller, mixing short classifications, chat turns and summaries, so that both the requests
// and the tokens per minute are close to binding: about 74 tokens a request on average, against
// the default 40,000 TPM / 600 RPM = 67, so tokens bind with requests at ~90 % of theirs.
#ifndef LLMGATE_BENCH_UTILIZATION_REQUEST_MIX_H_
#define LLMGATE_BENCH_UTILIZATION_REQUEST_MIX_H_

#include <cstdint>
#include <string>

namespace llmgate::bench {

struct ChatCall {
  std::string body;         // the request JSON
  int64_t server_cost = 0;  // tokens the mock charges at admission: prompt + max_tokens
};

// Every (seed, process, thread) gives its own reproducible sequence; every request of a run
// is unique (it names its caller and sequence number), so no cache can answer it.
class RequestMix {
 public:
  RequestMix(uint64_t seed, int process, int thread);
  ChatCall Next();

 private:
  uint64_t NextRandom();                 // splitmix64: the same numbers on every platform
  int64_t Uniform(int64_t lo, int64_t hi);  // inclusive
  std::string Text(const std::string& prefix, int64_t bytes);

  uint64_t state_;
  int process_, thread_;
  int64_t sequence_ = 0;
};

// Tokens the mock counts for one message: 4 + ceil(bytes / 4) (tests/mock_openai/README.md).
int64_t MockMessageTokens(const std::string& text);

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_REQUEST_MIX_H_
