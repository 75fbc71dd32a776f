// The libcurl transport against the mock server: answers, failures mapped to
// TransportFailure, connection reuse, streaming, cancellation, compression, fork and threads.
#include "http/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "mock_openai/launcher.h"
#include "testing/fork.h"
#include "testing/temp_dir.h"

namespace llmgate::internal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kChat[] = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello world"}]})";
constexpr char kSlowStream[] =
    R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"one two three four five six"}]})";

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class CurlTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A proxy from the environment must not stand between the test and the loopback mock.
    setenv("no_proxy", "*", 1);
    setenv("NO_PROXY", "*", 1);
  }

  // Starts the mock (HTTPS with a fresh CA when `tls`); the test fails when it cannot.
  void StartMock(const std::string& config_json = "", bool tls = false) {
    mock::LaunchOptions options;
    options.config_json = config_json;
    std::string error;
    if (tls) {
      ASSERT_TRUE(mock::MakeTestCertificates(certs_.path(), &error)) << error;
      options.tls_dir = certs_.path();
    }
    mock_ = mock::MockOpenAiProcess::Start(options, &error);
    ASSERT_NE(mock_, nullptr) << error;
  }

  std::string ca_file() const { return certs_.File("ca.crt"); }

  static std::unique_ptr<HttpTransport> MakeTransport(const CurlTransportConfig& config = {}) {
    auto transport = MakeCurlTransport(config);
    EXPECT_TRUE(transport.ok()) << transport.status().ToString();
    return transport.ok() ? std::move(*transport) : nullptr;
  }

  HttpRequest Post(const std::string& path, const std::string& body = kChat) const {
    HttpRequest r;
    r.method = "POST";
    r.url = mock_->base_url() + path;
    r.headers = {{"Authorization", "Bearer sk-test-0001"}, {"Content-Type", "application/json"}};
    r.body = body;
    r.total_timeout_micros = 60'000'000;  // a hung test fails instead of hanging
    return r;
  }

  testing::TempDir certs_;
  std::unique_ptr<mock::MockOpenAiProcess> mock_;
};

TEST_F(CurlTransportTest, ChatCompletionHasStatusHeadersAndBody) {
  ASSERT_NO_FATAL_FAILURE(StartMock());
  auto transport = MakeTransport();
  auto exchange = transport->Start(Post("/chat/completions"));
  HttpResult result = ReadWhole(*exchange);
  ASSERT_FALSE(result.error) << result.error->detail;
  ASSERT_TRUE(result.response);
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(result.response->headers.Find("x-ratelimit-limit-requests"), "10000");
  EXPECT_EQ(result.response->headers.Find("openai-organization"), "org-mock");
  EXPECT_TRUE(result.response->headers.Find("x-request-id").has_value());
  EXPECT_TRUE(Contains(result.response->body, R"("object":"chat.completion")")) << result.response->body;
  EXPECT_TRUE(Contains(result.response->body, "Echo: hello world")) << result.response->body;
  EXPECT_EQ(exchange->new_connections(), 1);
}

TEST_F(CurlTransportTest, NotFoundIsAnAnswerNotAFailure) {
  ASSERT_NO_FATAL_FAILURE(StartMock());
  auto transport = MakeTransport();
  auto exchange = transport->Start(Post("/no/such/endpoint"));
  HttpResult result = ReadWhole(*exchange);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->status, 404);
  EXPECT_TRUE(Contains(result.response->body, "Invalid URL (POST /v1/no/such/endpoint)")) << result.response->body;

  // The method reaches the server as given, here without a body.
  HttpRequest del = Post("/files/file-1");
  del.method = "DELETE";
  del.body.clear();
  exchange = transport->Start(del);
  result = ReadWhole(*exchange);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->status, 404);
  EXPECT_TRUE(Contains(result.response->body, "Invalid URL (DELETE /v1/files/file-1)")) << result.response->body;
}

TEST_F(CurlTransportTest, GetModels) {
  ASSERT_NO_FATAL_FAILURE(StartMock());
  auto transport = MakeTransport();
  HttpRequest get = Post("/models", "");
  get.method = "GET";
  auto exchange = transport->Start(get);
  HttpResult result = ReadWhole(*exchange);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_TRUE(Contains(result.response->body, R"("object":"list")")) << result.response->body;
  EXPECT_TRUE(Contains(result.response->body, "gpt-4o-mini")) << result.response->body;
}

TEST_F(CurlTransportTest, ReusesTheConnectionAcrossCallsAndThreads) {
  ASSERT_NO_FATAL_FAILURE(StartMock());
  auto transport = MakeTransport();
  auto first = transport->Start(Post("/chat/completions"));
  ASSERT_TRUE(ReadWhole(*first).response);
  EXPECT_EQ(first->new_connections(), 1);

  auto second = transport->Start(Post("/chat/completions"));
  ASSERT_TRUE(ReadWhole(*second).response);
  EXPECT_EQ(second->new_connections(), 0);

  // Another thread picks up the same kept-alive connection.
  int64_t third_connections = -1;
  std::thread([&] {
    auto third = transport->Start(Post("/chat/completions"));
    if (ReadWhole(*third).response) third_connections = third->new_connections();
  }).join();
  EXPECT_EQ(third_connections, 0);
}

TEST_F(CurlTransportTest, HttpsWithTheCaSucceedsAndReusesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(StartMock("", /*tls=*/true));
  CurlTransportConfig config;
  config.ca_file = ca_file();
  auto transport = MakeTransport(config);
  auto first = transport->Start(Post("/chat/completions"));
  HttpResult result = ReadWhole(*first);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(first->new_connections(), 1);

  auto second = transport->Start(Post("/chat/completions"));
  result = ReadWhole(*second);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(second->new_connections(), 0);
}

TEST_F(CurlTransportTest, HttpsWithoutTheCaFailsWithTls) {
  ASSERT_NO_FATAL_FAILURE(StartMock("", /*tls=*/true));
  auto transport = MakeTransport();
  auto exchange = transport->Start(Post("/chat/completions"));
  EXPECT_FALSE(exchange->AwaitHeaders());
  ASSERT_TRUE(exchange->error());
  EXPECT_EQ(exchange->error()->failure, TransportFailure::kTls) << exchange->error()->detail;
  EXPECT_FALSE(exchange->error()->cancelled);
  EXPECT_FALSE(exchange->error()->detail.empty());

  // Unless verification is off.
  CurlTransportConfig insecure;
  insecure.verify_tls = false;
  transport = MakeTransport(insecure);
  HttpResult result = ReadWhole(*transport->Start(Post("/chat/completions")));
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->status, 200);
}

TEST_F(CurlTransportTest, ClosedPortFailsWithConnect) {
  // A port that was free a moment ago: bind, read the port, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);

  auto transport = MakeTransport();
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1/chat/completions";
  request.body = kChat;
  HttpResult result = ReadWhole(*transport->Start(request));
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->failure, TransportFailure::kConnect) << result.error->detail;
}

TEST_F(CurlTransportTest, SlowAnswerTimesOut) {
  ASSERT_NO_FATAL_FAILURE(StartMock(R"({"faults":{"latency_ms":20000}})"));
  auto transport = MakeTransport();
  HttpRequest request = Post("/chat/completions");
  request.total_timeout_micros = 300'000;
  auto start = Clock::now();
  HttpResult result = ReadWhole(*transport->Start(request));
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->failure, TransportFailure::kTimeout) << result.error->detail;
  EXPECT_LT(MillisSince(start), 10'000);  // the timeout, not the server, ended it
}

TEST_F(CurlTransportTest, DroppedConnectionFailsWithDropped) {
  ASSERT_NO_FATAL_FAILURE(StartMock(R"({"faults":{"drop_connection_rate":1}})"));
  auto transport = MakeTransport();
  HttpResult result = ReadWhole(*transport->Start(Post("/chat/completions")));
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->failure, TransportFailure::kDropped) << result.error->detail;

  // A stream cut in the middle too, after its headers and first events arrived.
  auto stream = transport->Start(Post("/chat/completions", kSlowStream));
  ASSERT_TRUE(stream->AwaitHeaders());
  EXPECT_EQ(stream->status(), 200);
  std::string body;
  while (stream->ReadBody(&body)) {
  }
  EXPECT_TRUE(Contains(body, "data: ")) << body;
  ASSERT_TRUE(stream->error());
  EXPECT_EQ(stream->error()->failure, TransportFailure::kDropped) << stream->error()->detail;
}

TEST_F(CurlTransportTest, SlowStreamArrivesPieceByPiece) {
  ASSERT_NO_FATAL_FAILURE(StartMock(R"({"faults":{"stream_chunk_delay_ms":100}})"));
  auto transport = MakeTransport();
  auto exchange = transport->Start(Post("/chat/completions", kSlowStream));
  ASSERT_TRUE(exchange->AwaitHeaders()) << exchange->error()->detail;
  EXPECT_EQ(exchange->status(), 200);
  EXPECT_EQ(exchange->headers().Find("content-type"), "text/event-stream");
  std::string body;
  std::vector<Clock::time_point> arrivals;
  while (exchange->ReadBody(&body)) arrivals.push_back(Clock::now());
  ASSERT_FALSE(exchange->error()) << exchange->error()->detail;
  EXPECT_TRUE(Contains(body, "data: [DONE]")) << body;
  // About ten events 100 ms apart: read all at the end, they would come in one or two pieces
  // within a few milliseconds of each other.
  ASSERT_GE(arrivals.size(), 3u);
  auto spread = std::chrono::duration_cast<std::chrono::milliseconds>(arrivals.back() - arrivals.front());
  EXPECT_GE(spread.count(), 400);
}

TEST_F(CurlTransportTest, CancellationEndsAWaitQuickly) {
  ASSERT_NO_FATAL_FAILURE(StartMock(R"({"faults":{"latency_ms":20000}})"));
  auto transport = MakeTransport();
  std::atomic<bool> cancelled{false};
  HttpRequest request = Post("/chat/completions");
  request.cancelled = &cancelled;
  auto exchange = transport->Start(request);
  Clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the request get going
    cancelled_at = Clock::now();
    cancelled = true;
  });
  bool headers = exchange->AwaitHeaders();
  auto ended_at = Clock::now();
  canceller.join();
  EXPECT_FALSE(headers);
  ASSERT_TRUE(exchange->error());
  EXPECT_TRUE(exchange->error()->cancelled);
  EXPECT_FALSE(exchange->error()->failure.has_value());
  // Checked every 100 ms; the margin is for a loaded machine.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(ended_at - cancelled_at).count(), 1000);
}

TEST_F(CurlTransportTest, CancellationEndsAStreamBetweenPieces) {
  ASSERT_NO_FATAL_FAILURE(StartMock(R"({"faults":{"stream_chunk_delay_ms":5000}})"));
  auto transport = MakeTransport();
  std::atomic<bool> cancelled{false};
  HttpRequest request = Post("/chat/completions", kSlowStream);
  request.cancelled = &cancelled;
  auto exchange = transport->Start(request);
  std::string body;
  ASSERT_TRUE(exchange->ReadBody(&body));  // the first event comes at once
  cancelled = true;
  auto start = Clock::now();
  while (exchange->ReadBody(&body)) {
  }
  EXPECT_LT(MillisSince(start), 1000);
  ASSERT_TRUE(exchange->error());
  EXPECT_TRUE(exchange->error()->cancelled);

  // The half-read connection was closed, not handed to the next request.
  auto next = transport->Start(Post("/chat/completions"));
  HttpResult result = ReadWhole(*next);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_TRUE(Contains(result.response->body, "Echo: hello world")) << result.response->body;
  EXPECT_EQ(next->new_connections(), 1);
}

TEST_F(CurlTransportTest, AbandonedExchangeDoesNotSpoilTheNextOne) {
  ASSERT_NO_FATAL_FAILURE(StartMock(R"({"faults":{"stream_chunk_delay_ms":5000}})"));
  auto transport = MakeTransport();
  {
    auto exchange = transport->Start(Post("/chat/completions", kSlowStream));
    ASSERT_TRUE(exchange->AwaitHeaders());
  }  // dropped with most of the stream unread
  auto next = transport->Start(Post("/chat/completions"));
  HttpResult result = ReadWhole(*next);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_TRUE(Contains(result.response->body, "Echo: hello world")) << result.response->body;
  EXPECT_EQ(next->new_connections(), 1);
}

TEST_F(CurlTransportTest, CompressedAnswersArriveDecompressed) {
  ASSERT_NO_FATAL_FAILURE(StartMock());
  auto transport = MakeTransport();
  HttpRequest request = Post("/chat/completions");
  request.headers.emplace_back("Accept-Encoding", "gzip");
  HttpResult result = ReadWhole(*transport->Start(request));
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->headers.Find("content-encoding"), "gzip");
  EXPECT_EQ(result.response->body.front(), '{');
  EXPECT_TRUE(Contains(result.response->body, "Echo: hello world")) << result.response->body;

  // Without a header of the caller's, libcurl offers everything it decodes.
  result = ReadWhole(*transport->Start(Post("/chat/completions")));
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_TRUE(result.response->headers.Find("content-encoding").has_value());
  EXPECT_TRUE(Contains(result.response->body, "Echo: hello world")) << result.response->body;
}

TEST_F(CurlTransportTest, BodyAboveTheLimitIsAborted) {
  ASSERT_NO_FATAL_FAILURE(StartMock());
  CurlTransportConfig config;
  config.max_body_bytes = 64;
  auto transport = MakeTransport(config);
  // Known up front from Content-Length ...
  HttpResult result = ReadWhole(*transport->Start(Post("/chat/completions")));
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->failure, TransportFailure::kTooLarge);
  EXPECT_TRUE(Contains(result.error->detail, "max_body_bytes")) << result.error->detail;
  // ... and counted as it arrives.
  result = ReadWhole(*transport->Start(Post("/chat/completions", kSlowStream)));
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->failure, TransportFailure::kTooLarge);
  EXPECT_TRUE(Contains(result.error->detail, "max_body_bytes")) << result.error->detail;
}

TEST_F(CurlTransportTest, HeaderWithALineBreakIsRefused) {
  auto transport = MakeTransport();
  HttpRequest request;
  request.url = "http://127.0.0.1:9/v1/chat/completions";  // refused before any connection
  request.headers.emplace_back("X-Test", "a\r\nInjected: yes");
  HttpResult result = ReadWhole(*transport->Start(request));
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->failure, TransportFailure::kConnect);
}

// A child uses connections of its own, and neither its requests nor the end of its copy
// of the transport disturb the parent's kept-alive TLS connection.
TEST_F(CurlTransportTest, ForkChildNeverTouchesTheParentsConnections) {
  ASSERT_NO_FATAL_FAILURE(StartMock("", /*tls=*/true));
  CurlTransportConfig config;
  config.ca_file = ca_file();
  auto transport = MakeTransport(config);
  // Exchanges hold the pool too: none may be alive when the children drop the transport.
  ASSERT_TRUE(ReadWhole(*transport->Start(Post("/chat/completions"))).response);

  pid_t child = testing::ForkChild([&] {
    auto exchange = transport->Start(Post("/chat/completions"));
    HttpResult result = ReadWhole(*exchange);
    if (!result.response || result.response->status != 200) return 1;
    if (exchange->new_connections() != 1) return 2;  // it must not reuse the parent's
    auto again = transport->Start(Post("/chat/completions"));
    if (!ReadWhole(*again).response || again->new_connections() != 0) return 3;
    transport.reset();
    return 0;
  });
  EXPECT_EQ(testing::WaitChild(child), 0);
  // A child that only drops its copy of the transport.
  child = testing::ForkChild([&] {
    transport.reset();
    return 0;
  });
  EXPECT_EQ(testing::WaitChild(child), 0);

  auto after = transport->Start(Post("/chat/completions"));
  HttpResult result = ReadWhole(*after);
  ASSERT_TRUE(result.response) << result.error->detail;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(after->new_connections(), 0);
}

TEST_F(CurlTransportTest, ManyThreadsAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartMock());
  auto transport = MakeTransport();
  constexpr int kThreads = 8;
  constexpr int kRequests = 20;
  std::atomic<int> ok{0};
  std::atomic<int64_t> connections{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRequests; ++i) {
        auto exchange = transport->Start(Post("/chat/completions"));
        HttpResult result = ReadWhole(*exchange);
        if (result.response && result.response->status == 200 &&
            Contains(result.response->body, "Echo: hello world")) {
          ++ok;
        }
        connections += exchange->new_connections();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  // At most one connection per concurrent exchange (margin for the server closing some).
  EXPECT_LE(connections.load(), 2 * kThreads);
}

TEST(ReadWholeTest, ReportsAFailureWithoutError) {
  // An exchange that gives up without saying why still yields an error.
  struct Silent : HttpExchange {
    bool AwaitHeaders() override { return false; }
    int status() const override { return 0; }
    const HttpHeaders& headers() const override { return headers_; }
    bool ReadBody(std::string*) override { return false; }
    const std::optional<TransportError>& error() const override { return error_; }
    int64_t new_connections() const override { return 0; }
    HttpHeaders headers_;
    std::optional<TransportError> error_;
  } silent;
  HttpResult result = ReadWhole(silent);
  EXPECT_FALSE(result.response);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->failure, TransportFailure::kDropped);
}

}  // namespace
}  // namespace llmgate::internal
