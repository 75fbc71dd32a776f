// A minimal blocking HTTP client on one libcurl easy handle (kept-alive connection), for
// the naive callers and for the mock's control endpoints. Not thread-safe: one per thread.
#ifndef LLMGATE_BENCH_UTILIZATION_HTTP_SESSION_H_
#define LLMGATE_BENCH_UTILIZATION_HTTP_SESSION_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmgate::bench {

struct HttpReply {
  int status = 0;            // 0: no HTTP answer (connection failed, timed out)
  std::string transport_error;
  std::string body;
  // The retry hints the naive policy honours, as sent.
  std::optional<std::string> retry_after_ms;
  std::optional<std::string> retry_after;
};

class HttpSession {
 public:
  HttpSession();
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // `body` empty with post = false: GET.
  HttpReply Send(const std::string& url, bool post, const std::string& body,
                 const std::vector<std::string>& headers, long timeout_ms);

 private:
  void* curl_;  // CURL*: kept out of the header
};

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_UTILIZATION_HTTP_SESSION_H_
