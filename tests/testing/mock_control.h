// Talks to a running mock_openai's control endpoints (/_mock/*) and sends raw API requests
// past llmgate, for tests that set up server state or count on the server's side. A gtest
// face on mock::MockClient (tests/mock_openai/mock_client.h): failures fail the test.
#ifndef LLMGATE_TESTING_MOCK_CONTROL_H_
#define LLMGATE_TESTING_MOCK_CONTROL_H_

#include <cstdint>
#include <string>

#include "mock_openai/mock_client.h"

namespace llmgate::testing {

class MockControl {
 public:
  // `origin`: MockOpenAiProcess::origin(); `ca_file` for an HTTPS mock.
  explicit MockControl(std::string origin, std::string ca_file = {});

  // POST /_mock/config with `json`; fails the test on an error answer.
  void Configure(const std::string& json);
  void Reset();
  // GET /_mock/stats as text.
  std::string Stats();
  // A counter of the stats' "totals" ("requests", "http_429", "ok", "dropped", ...); 0 when absent.
  int64_t Total(const std::string& name);
  // POST /v1/chat/completions straight to the server with `key`; returns the HTTP status.
  int RawChat(const std::string& key, const std::string& body);

 private:
  mock::MockClient client_;
};

// A chat completion request body for `model` with one user message.
std::string ChatBody(const std::string& text, const std::string& model = "gpt-4o-mini", int max_tokens = 0);

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_MOCK_CONTROL_H_
