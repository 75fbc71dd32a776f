// Starts mock_openai through MockOpenAiProcess, the way C++ tests and benchmarks do, and
// checks the behaviour they rely on with an independent HTTP client.
#include "mock_openai/launcher.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace llmgate::mock {
namespace {

constexpr char kChat[] = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello world"}]})";

httplib::Headers Auth(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

std::unique_ptr<MockOpenAiProcess> StartMock(const LaunchOptions& options = {}) {
  std::string error;
  auto mock = MockOpenAiProcess::Start(options, &error);
  EXPECT_NE(mock, nullptr) << error;
  return mock;
}

TEST(MockOpenAiLauncherTest, AnswersWithUsageAndStopsCleanly) {
  auto mock = StartMock();
  ASSERT_NE(mock, nullptr);
  EXPECT_GT(mock->port(), 0);
  httplib::Client client(mock->origin());
  auto res = client.Post("/v1/chat/completions", Auth("sk-test-0001"), kChat, "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  // 4 + ceil(11 / 4) prompt tokens; "Echo: hello world" is 3 completion tokens.
  EXPECT_NE(res->body.find(R"("usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10)"), std::string::npos)
      << res->body;
  EXPECT_EQ(res->get_header_value("x-ratelimit-limit-requests"), "10000");
  EXPECT_EQ(res->get_header_value("openai-organization"), "org-mock");

  auto stats = client.Get("/_mock/stats");
  ASSERT_TRUE(stats);
  EXPECT_NE(stats->body.find(R"("...0001":{"org":"org-mock","requests":1,"ok":1,)"), std::string::npos) << stats->body;
  EXPECT_EQ(mock->Stop(), 0);
}

TEST(MockOpenAiLauncherTest, TinyLimitAnswers429WithRetryAfter) {
  LaunchOptions options;
  options.config_json = R"({"keys":[{"key":"sk-tiny-key1","organization":"org-tiny"}],
                            "organizations":{"org-tiny":{"rpm":1}}})";
  auto mock = StartMock(options);
  ASSERT_NE(mock, nullptr);
  httplib::Client client(mock->origin());
  auto first = client.Post("/v1/chat/completions", Auth("sk-tiny-key1"), kChat, "application/json");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  auto second = client.Post("/v1/chat/completions", Auth("sk-tiny-key1"), kChat, "application/json");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429);
  std::string retry_header = second->get_header_value("retry-after-ms");
  ASSERT_FALSE(retry_header.empty());
  int64_t retry_ms = std::stoll(retry_header);
  // One request per minute refills in 60 s, less the time since the first request.
  EXPECT_GT(retry_ms, 50000);
  EXPECT_LE(retry_ms, 60000);
  EXPECT_EQ(second->get_header_value("retry-after"), std::to_string((retry_ms + 999) / 1000));
  EXPECT_NE(second->body.find(R"("type":"requests","param":null,"code":"rate_limit_exceeded")"), std::string::npos);
  // Keys not in the list are rejected once a list is given.
  auto unknown = client.Post("/v1/chat/completions", Auth("sk-other-key"), kChat, "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(unknown->body.find("sk-other-key"), std::string::npos);
}

TEST(MockOpenAiLauncherTest, StreamsChunksAsTheyAreSent) {
  LaunchOptions options;
  options.config_json = R"({"faults":{"stream_chunk_delay_ms":40}})";
  auto mock = StartMock(options);
  ASSERT_NE(mock, nullptr);
  httplib::Client client(mock->origin());
  const std::string body = R"({"model":"m","stream":true,"stream_options":{"include_usage":true},)"
                           R"("messages":[{"role":"user","content":"one two three"}]})";
  auto start = std::chrono::steady_clock::now();
  std::vector<double> arrivals;
  std::string received;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.headers = Auth("sk-stream");
  req.body = body;
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    arrivals.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    received.append(data, size);
    return true;
  };
  auto res = client.send(req);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  ASSERT_GE(arrivals.size(), 2u);
  // 8 events 40 ms apart: the first arrives long before the last.
  EXPECT_GT(arrivals.back() - arrivals.front(), 0.2);
  EXPECT_NE(received.find(R"("choices":[],"usage":{"prompt_tokens":8,"completion_tokens":4)"), std::string::npos)
      << received;
  EXPECT_EQ(received.substr(received.size() - 14), "data: [DONE]\n\n");
}

TEST(MockOpenAiLauncherTest, DroppedConnectionAndRuntimeFaults) {
  auto mock = StartMock();
  ASSERT_NE(mock, nullptr);
  httplib::Client client(mock->origin());
  auto set = client.Post("/_mock/config", R"({"faults":{"drop_connection_rate":1}})", "application/json");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200);
  auto dropped = client.Post("/v1/chat/completions", Auth("sk-a"), kChat, "application/json");
  EXPECT_FALSE(dropped);

  client.Post("/_mock/config", R"({"faults":{"drop_connection_rate":0,"fail_next":[503]}})", "application/json");
  auto failed = client.Post("/v1/chat/completions", Auth("sk-a"), kChat, "application/json");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 503);
  auto ok = client.Post("/v1/chat/completions", Auth("sk-a"), kChat, "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);

  auto stats = client.Get("/_mock/stats");
  ASSERT_TRUE(stats);
  EXPECT_NE(stats->body.find(R"("totals":{"requests":3,"ok":1,)"), std::string::npos) << stats->body;
  EXPECT_NE(stats->body.find(R"("503":1,"dropped":1,)"), std::string::npos) << stats->body;
}

TEST(MockOpenAiLauncherTest, ServesHttpsWithTheTestCa) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/llmgate-mock-cert-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string error;
  ASSERT_TRUE(MakeTestCertificates(dir, &error)) << error;
  LaunchOptions options;
  options.tls_dir = dir;
  auto mock = StartMock(options);
  ASSERT_NE(mock, nullptr);
  EXPECT_EQ(mock->origin().rfind("https://", 0), 0u);

  httplib::Client trusting(mock->origin());
  trusting.set_ca_cert_path((dir + "/ca.crt").c_str());
  trusting.enable_server_certificate_verification(true);
  auto res = trusting.Post("/v1/chat/completions", Auth("sk-tls"), kChat, "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);

  httplib::Client default_trust(mock->origin());
  default_trust.enable_server_certificate_verification(true);
  auto refused = default_trust.Get("/_mock/health");
  EXPECT_FALSE(refused);
  EXPECT_EQ(mock->Stop(), 0);
  for (const char* f : {"ca.crt", "ca.key", "server.crt", "server.key"}) std::remove((dir + "/" + f).c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace llmgate::mock
