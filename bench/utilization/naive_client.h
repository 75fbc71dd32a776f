// The baseline: each process on its own with a plain HTTP client that retries the way
// openai-python does (max_retries = 2), sharing nothing with the other processes.
#ifndef LLMGATE_BENCH_UTILIZATION_NAIVE_CLIENT_H_
#define LLMGATE_BENCH_UTILIZATION_NAIVE_CLIENT_H_

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "utilization/http_session.h"
#include "utilization/load_client.h"

namespace llmgate::bench {

// openai-python retries connection failures, timeouts, 408, 409, 429 and 5xx.
bool OpenAiPythonRetries(const HttpReply& reply);

// Seconds openai-python waits before retry number `retry` (0 = the first): the server's
// retry-after-ms, else retry-after (seconds or an HTTP date), when one says 0 < wait <= 60 s;
// else min(0.5 * 2^retry, 8) s shortened by up to 25 % of jitter (`uniform01` in [0, 1)).
double OpenAiPythonRetryDelay(int retry, const HttpReply& reply, double uniform01);

class NaiveClient final : public LoadClient {
 public:
  NaiveClient(std::string base_url, std::string api_key, int threads, uint64_t seed);
  CallOutcome Call(int thread, const std::string& body, const std::atomic<bool>& stop) override;

 private:
  struct PerThread {
    HttpSession http;
    std::mt19937_64 rng;
  };
  static constexpr int kMaxRetries = 2;
  std::string url_;
  std::vector<std::string> headers_;
  std::vector<std::unique_ptr<PerThread>> threads_;
};

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_NAIVE_CLIENT_H_
