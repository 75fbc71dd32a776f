// A minimal blocking HTTP client on one libcurl easy handle, for the naive callers. It sends
// the way the mock's control client does (mock::SendOnHandle) but keeps its handle, and with
// it a kept-alive connection, across requests, as a real client under load does; and it keeps
// the retry hints the naive policy honours. Not thread-safe: one per thread.
#ifndef LLMGATE_BENCH_UTILIZATION_HTTP_SESSION_H_
#define LLMGATE_BENCH_UTILIZATION_HTTP_SESSION_H_

#include <optional>
#include <string>
#include <vector>

#include "mock_openai/mock_client.h"

namespace llmgate::bench {

// status (0: no HTTP answer, see transport_error), body, and the retry hints as sent.
struct HttpReply : mock::MockReply {
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
