// An HttpTransport that answers from a script instead of the network, for tests of the
// client pipeline and the key pool: queued answers first, then a responder function (by
// default a 200 chat completion). Every request sent is recorded.
#ifndef LLMGATE_TESTING_SCRIPTED_TRANSPORT_H_
#define LLMGATE_TESTING_SCRIPTED_TRANSPORT_H_

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/transport.h"

namespace llmgate::testing {

// One scripted answer: a response, or a failure before any.
struct Scripted {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<internal::TransportFailure> failure;
  std::string failure_detail;
};

// A 200 chat.completion with usage 5 + 1.
Scripted OkAnswer();
// An answer with `status` and `body`, plus x-request-id "req_<status>".
Scripted Answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {});

struct Script {
  std::mutex mu;
  std::deque<Scripted> answers;
  std::function<Scripted(const internal::HttpRequest&)> responder;
  std::vector<internal::HttpRequest> sent;

  void Push(Scripted s) {
    std::lock_guard<std::mutex> lock(mu);
    answers.push_back(std::move(s));
  }
  size_t SentCount() {
    std::lock_guard<std::mutex> lock(mu);
    return sent.size();
  }
};

std::unique_ptr<internal::HttpTransport> MakeScriptedTransport(std::shared_ptr<Script> script);

// The value of a request header ("" when absent).
std::string HeaderOf(const internal::HttpRequest& request, const std::string& name);

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_SCRIPTED_TRANSPORT_H_
