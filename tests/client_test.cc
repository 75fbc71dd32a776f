// The client end to end against the mock OpenAI server: the pipeline (cache, limiter,
// HTTP, retries, reconciliation), typed errors, streaming, TLS and API styles. The server
// counts what it saw, so assertions are made on the server's side where it matters.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "llmgate/llmgate.h"
#include "mock_openai/launcher.h"
#include "testing/log_capture.h"
#include "testing/mock_control.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using testing::ChatBody;
using testing::LogCapture;
using testing::MockControl;
using testing::TempDir;

constexpr char kKey[] = "sk-test-client-secret-0001";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t UsedOf(Limiter& limiter, const std::string& scope, const std::string& dimension) {
  auto usage = limiter.Usage(scope);
  EXPECT_TRUE(usage.ok()) << usage.status().ToString();
  if (!usage.ok()) return -1;
  for (const LimitUsage& u : *usage)
    if (u.limit.dimension == dimension) return u.used;
  return -1;
}

class ClientTest : public ::testing::Test {
 protected:
  void StartMock(const std::string& config_json = "", const std::string& tls_dir = "") {
    mock::LaunchOptions launch;
    launch.config_json = config_json;
    launch.tls_dir = tls_dir;
    std::string error;
    mock_ = mock::MockOpenAiProcess::Start(launch, &error);
    ASSERT_NE(mock_, nullptr) << error;
    control_ = std::make_unique<MockControl>(mock_->origin(), tls_dir.empty() ? "" : tls_dir + "/ca.crt");
  }

  Options BaseOptions() {
    Options o;
    o.state_dir = dir_.path();
    o.base_url = mock_->base_url();
    o.api_key = kKey;
    o.limits_from_env = false;
    o.log_sink = logs_.Sink();
    o.log_level = LogLevel::kDebug;
    return o;
  }

  std::unique_ptr<Gate> Open(const Options& options) {
    auto gate = Gate::Open(options);
    EXPECT_TRUE(gate.ok()) << gate.status().ToString();
    return gate.ok() ? std::move(gate).value() : nullptr;
  }

  TempDir dir_;
  LogCapture logs_;
  std::unique_ptr<mock::MockOpenAiProcess> mock_;
  std::unique_ptr<MockControl> control_;
};

TEST_F(ClientTest, ChatCompletionThenCacheHit) {
  StartMock();
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  const std::string body = ChatBody("hello world");

  auto first = gate->client().ChatCompletions(body);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->http_status, 200);
  EXPECT_FALSE(first->from_cache);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_NE(first->body.find("Echo: hello world"), std::string::npos) << first->body;
  EXPECT_EQ(first->usage.prompt_tokens, 7);  // the mock's heuristic: 4 + ceil(11 / 4)
  EXPECT_EQ(first->usage.completion_tokens, 3);
  EXPECT_EQ(first->request_id.rfind("req_", 0), 0u);
  EXPECT_EQ(first->key_label, "sk-…0001");

  // Same request with other whitespace and a default spelled out: one cache entry.
  auto second = gate->client().ChatCompletions(
      R"({ "messages": [{"role": "user", "content": "hello world"}], "model": "gpt-4o-mini", "temperature": 1.0 })");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->attempts, 0);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(control_->Total("requests"), 1);

  ClientStats stats = gate->client().Stats();
  EXPECT_EQ(stats.calls, 2);
  EXPECT_EQ(stats.cache_hits, 1);
  EXPECT_EQ(stats.http_attempts, 1);

  // skip_read goes to the server again.
  CallOptions fresh;
  fresh.cache.skip_read = true;
  auto third = gate->client().ChatCompletions(body, fresh);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->from_cache);
  EXPECT_EQ(control_->Total("requests"), 2);
}

TEST_F(ClientTest, RateLimitedThenSucceedsAfterTheHintedWait) {
  // One request per second refills; the bucket is drained past llmgate's back.
  StartMock(R"({"default_limits": {"rpm": 60, "tpm": 1000000}})");
  for (int i = 0; i < 60; ++i) ASSERT_EQ(control_->RawChat(kKey, ChatBody("drain " + std::to_string(i))), 200);
  ASSERT_EQ(control_->RawChat(kKey, ChatBody("one more")), 429);

  Options options = BaseOptions();
  std::vector<RetryEvent> retries;
  options.on_retry = [&](const RetryEvent& e) { retries.push_back(e); };
  auto gate = Open(options);
  ASSERT_NE(gate, nullptr);
  auto start = std::chrono::steady_clock::now();
  auto r = gate->client().ChatCompletions(ChatBody("after the wait"));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0].error.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(retries[0].error.http_status(), 429);
  EXPECT_EQ(retries[0].error.error_code(), "rate_limit_exceeded");
  EXPECT_FALSE(retries[0].error.request_id().empty());
  // The mock's retry-after-ms is the time until one request refills (at most 1 s).
  EXPECT_GT(retries[0].delay.count(), 0);
  EXPECT_LE(retries[0].delay.count(), 1000);
  EXPECT_GE(elapsed, std::chrono::milliseconds(retries[0].delay.count()));
  EXPECT_EQ(control_->Total("http_429"), 2);  // the raw probe's and llmgate's one
}

TEST_F(ClientTest, InsufficientQuotaFailsAtOnceWithoutRetry) {
  StartMock(R"({"keys": [{"key": "sk-test-client-secret-0001", "status": "insufficient_quota"}]})");
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  auto r = gate->client().ChatCompletions(ChatBody("hello"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kQuotaExhausted);
  EXPECT_EQ(r.status().error_code(), "insufficient_quota");
  EXPECT_EQ(control_->Total("requests"), 1);
}

TEST_F(ClientTest, RevokedKeyIsUnauthenticatedAndNeverLeaks) {
  StartMock(R"({"keys": [{"key": "sk-test-client-secret-0001", "status": "invalid"}]})");
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  auto r = gate->client().ChatCompletions(ChatBody("hello"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().http_status(), 401);
  EXPECT_EQ(control_->Total("requests"), 1);
  EXPECT_EQ(r.status().ToString().find(kKey), std::string::npos);
  gate.reset();
  EXPECT_EQ(logs_.All().find(kKey), std::string::npos);
  for (const char* file : {"quota.db", "quota.db-wal", "cache.db", "cache.db-wal"})
    EXPECT_EQ(ReadFile(dir_.File(file)).find(kKey), std::string::npos) << file;
}

TEST_F(ClientTest, DroppedConnectionIsRetried) {
  StartMock(R"({"faults": {"drop_connection_rate": 1}})");
  Options options = BaseOptions();
  int retries = 0;
  options.on_retry = [&](const RetryEvent& e) {
    ++retries;
    EXPECT_EQ(e.error.code(), StatusCode::kUnavailable);
    EXPECT_EQ(e.error.http_status(), 0);
    control_->Configure(R"({"faults": {"drop_connection_rate": 0}})");
  };
  auto gate = Open(options);
  ASSERT_NE(gate, nullptr);
  auto r = gate->client().ChatCompletions(ChatBody("hello"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(retries, 1);
  EXPECT_EQ(control_->Total("dropped"), 1);
  EXPECT_EQ(control_->Total("ok"), 1);
}

TEST_F(ClientTest, ServerErrorsUseUpTheAttempts) {
  StartMock(R"({"faults": {"fail_next": [503, 500, 503]}})");
  Options options = BaseOptions();
  std::vector<int64_t> delays;
  options.on_retry = [&](const RetryEvent& e) { delays.push_back(e.delay.count()); };
  auto gate = Open(options);
  ASSERT_NE(gate, nullptr);
  auto r = gate->client().ChatCompletions(ChatBody("hello"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().http_status(), 503);
  EXPECT_EQ(control_->Total("requests"), 3);
  ASSERT_EQ(delays.size(), 2u);
  // openai-python's backoff: 0.5 s then 1 s, each minus up to 25 %.
  EXPECT_GE(delays[0], 375);
  EXPECT_LE(delays[0], 500);
  EXPECT_GE(delays[1], 750);
  EXPECT_LE(delays[1], 1000);
}

TEST_F(ClientTest, TypedErrors) {
  StartMock(R"({"default_limits": {"rpm": 1000, "tpm": 1000}})");
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  auto bad = gate->client().ChatCompletions(R"({"model": "gpt-4o-mini"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().http_status(), 400);

  auto malformed = gate->client().ChatCompletions("{not json");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);

  auto too_large = gate->client().ChatCompletions(ChatBody("hello", "gpt-4o-mini", 5000));
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().code(), StatusCode::kRequestTooLarge);
  // Two requests reached the server (the malformed one never left).
  EXPECT_EQ(control_->Total("requests"), 2);

  // The learned TPM limit now stops a too-large request before it is sent.
  auto known_too_large = gate->client().ChatCompletions(ChatBody("hello again", "gpt-4o-mini", 5000));
  ASSERT_FALSE(known_too_large.ok());
  EXPECT_EQ(known_too_large.status().code(), StatusCode::kRequestTooLarge);
  EXPECT_EQ(control_->Total("requests"), 2);
}

TEST_F(ClientTest, DeadlineAndCancellation) {
  StartMock(R"({"faults": {"latency_ms": 3000}})");
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  CallOptions short_deadline;
  short_deadline.timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto r = gate->client().ChatCompletions(ChatBody("slow"), short_deadline);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));

  std::atomic<bool> cancelled{false};
  CallOptions cancellable;
  cancellable.cancelled = &cancelled;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled = true;
  });
  start = std::chrono::steady_clock::now();
  auto c = gate->client().ChatCompletions(ChatBody("slow too"), cancellable);
  canceller.join();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

TEST_F(ClientTest, OverEstimateIsRefunded) {
  StartMock();
  Options options = BaseOptions();
  // A calendar day: what was charged stays visible (a rolling bucket would refill it).
  Limit daily{"global", "tokens", 1'000'000, std::chrono::hours(24)};
  daily.kind = WindowKind::kCalendar;
  options.limits = {daily};
  auto gate = Open(options);
  ASSERT_NE(gate, nullptr);
  // No max_tokens: Options::default_completion_tokens (1024) are reserved, and the
  // reservation then shrinks to the answer's usage.
  auto r = gate->client().ChatCompletions(ChatBody("hello world"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(UsedOf(gate->limiter(), "global", "tokens"), r->usage.total_tokens);

  // With max_tokens the server keeps the whole budget charged, and so does llmgate.
  auto budgeted = gate->client().ChatCompletions(ChatBody("hello there", "gpt-4o-mini", 100));
  ASSERT_TRUE(budgeted.ok());
  EXPECT_EQ(UsedOf(gate->limiter(), "global", "tokens"), r->usage.total_tokens + budgeted->usage.prompt_tokens + 100);
}

TEST_F(ClientTest, LearnsLimitsOfTheKeyGroupShared) {
  StartMock(R"({"keys": [{"key": "sk-test-org-a-key-1111", "organization": "org-a"},
                         {"key": "sk-test-org-a-key-2222", "organization": "org-a"}],
                "organizations": {"org-a": {"rpm": 100, "tpm": 100000}}})");
  Options a = BaseOptions();
  a.api_key = "sk-test-org-a-key-1111";
  Options b = BaseOptions();
  b.api_key = "sk-test-org-a-key-2222";
  auto gate_a = Open(a);
  auto gate_b = Open(b);
  ASSERT_NE(gate_a, nullptr);
  ASSERT_NE(gate_b, nullptr);
  ASSERT_TRUE(gate_a->client().ChatCompletions(ChatBody("from a")).ok());
  ASSERT_TRUE(gate_b->client().ChatCompletions(ChatBody("from b")).ok());
  ASSERT_TRUE(gate_b->client().ChatCompletions(ChatBody("from b again")).ok());

  auto all = gate_a->limiter().Usage();
  ASSERT_TRUE(all.ok());
  int learned = 0;
  for (const LimitUsage& u : *all) {
    if (u.limit.source != LimitSource::kLearned) continue;
    ++learned;
    EXPECT_EQ(u.limit.scope, "server:org:org-a/model:gpt-4o-mini");
    if (u.limit.dimension == "requests") {
      EXPECT_EQ(u.limit.limit, 100);
    } else {
      EXPECT_EQ(u.limit.limit, 100000);
    }
  }
  EXPECT_EQ(learned, 2);  // one requests and one tokens limit, not one per key
  // Both keys' later requests drew from the one group limit.
  EXPECT_GE(UsedOf(gate_a->limiter(), "server:org:org-a/model:gpt-4o-mini", "requests"), 2);
  EXPECT_TRUE(logs_.Contains("belongs to org:org-a"));
}

TEST_F(ClientTest, StreamsChunkByChunkCachesAndReplays) {
  StartMock(R"({"default_max_tokens": 8, "faults": {"stream_chunk_delay_ms": 100}})");
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  const std::string body = ChatBody("one two three four");
  std::vector<std::string> chunks;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  auto r = gate->client().StreamChatCompletions(body, [&](std::string_view chunk) {
    chunks.emplace_back(chunk);
    arrivals.push_back(std::chrono::steady_clock::now());
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->from_cache);
  ASSERT_GE(chunks.size(), 5u);
  // Delivered as they came: the first chunk long before the last.
  EXPECT_GE(arrivals.back() - arrivals.front(), std::chrono::milliseconds(300));
  EXPECT_NE(r->body.find("Echo: one two three four"), std::string::npos) << r->body;
  EXPECT_GT(r->usage.completion_tokens, 0);
  // The request did not ask for usage, so no usage-only chunk was passed on.
  for (const std::string& c : chunks) EXPECT_EQ(c.find("\"choices\":[]"), std::string::npos) << c;

  // A non-streaming call of the same request is served from the stored stream.
  auto whole = gate->client().ChatCompletions(body);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->from_cache);
  EXPECT_NE(whole->body.find("Echo: one two three four"), std::string::npos);

  // And a streaming one is replayed as chunks, pull style, with usage when asked.
  const std::string with_usage =
      R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"one two three four"}],"stream_options":{"include_usage":true}})";
  auto stream = gate->client().OpenChatStream(with_usage);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  std::string text;
  bool saw_usage = false;
  for (;;) {
    auto next = (*stream)->Next();
    ASSERT_TRUE(next.ok());
    if (!*next) break;
    if (next->value().find("\"choices\":[]") != std::string::npos) saw_usage = true;
    text += **next;
  }
  EXPECT_TRUE((*stream)->response().from_cache);
  EXPECT_TRUE(saw_usage);
  EXPECT_EQ(control_->Total("requests"), 1);
}

TEST_F(ClientTest, StreamDroppedMidwayFailsAndIsNotCached) {
  StartMock(R"({"default_max_tokens": 8, "faults": {"drop_connection_rate": 1}})");
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  int chunks = 0;
  auto r = gate->client().StreamChatCompletions(ChatBody("a b c d e f"), [&](std::string_view) {
    ++chunks;
    return true;
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_GT(chunks, 0);
  control_->Configure(R"({"faults": {"drop_connection_rate": 0}})");
  auto again = gate->client().ChatCompletions(ChatBody("a b c d e f"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->from_cache);
}

TEST_F(ClientTest, EmbeddingsImagesResponsesAndGenericRequests) {
  StartMock();
  Options options = BaseOptions();
  options.limits = {Limit{"global", "images", 100}};
  auto gate = Open(options);
  ASSERT_NE(gate, nullptr);
  auto e = gate->client().Embeddings(R"({"model":"text-embedding-3-small","input":["abcd","efghijkl"]})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->usage.prompt_tokens, 3);
  EXPECT_NE(e->body.find("\"embedding\""), std::string::npos);

  auto img = gate->client().ImageGenerations(R"({"model":"dall-e-3","prompt":"a cat","n":2})");
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->usage.images, 2);
  EXPECT_EQ(UsedOf(gate->limiter(), "global", "images"), 2);

  auto resp = gate->client().Responses(R"({"model":"gpt-4o-mini","input":"hello world"})");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_GT(resp->usage.prompt_tokens, 0);
  EXPECT_NE(resp->body.find("output_text"), std::string::npos);

  HttpCall models;
  models.method = "GET";
  models.path = "/models";
  models.body.clear();
  auto m = gate->client().Request(models);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_NE(m->body.find("gpt-4o-mini"), std::string::npos);

  HttpCall missing;
  missing.path = "/no/such/endpoint";
  missing.body = "{}";
  auto nf = gate->client().Request(missing);
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.status().http_status(), 404);
}

TEST_F(ClientTest, AzureStyle) {
  StartMock();
  Options options = BaseOptions();
  options.api_style = ApiStyle::kAzure;
  options.base_url = mock_->origin() + "/openai/deployments/gpt-4o-mini";
  options.azure_api_version = "2024-06-01";
  auto gate = Open(options);
  ASSERT_NE(gate, nullptr);
  auto r = gate->client().ChatCompletions(R"({"messages":[{"role":"user","content":"hi azure"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->body.find("Echo: hi azure"), std::string::npos);

  options.azure_api_version.clear();
  setenv("OPENAI_API_VERSION", "", 1);
  auto refused = Gate::Open(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, TlsNeedsTheCaOption) {
  TempDir certs;
  std::string error;
  ASSERT_TRUE(mock::MakeTestCertificates(certs.path(), &error)) << error;
  StartMock("", certs.path());
  Options options = BaseOptions();
  options.ca_file = certs.File("ca.crt");
  {
    auto gate = Open(options);
    ASSERT_NE(gate, nullptr);
    auto r = gate->client().ChatCompletions(ChatBody("over tls"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  options.ca_file.clear();
  auto gate = Open(options);
  ASSERT_NE(gate, nullptr);
  auto r = gate->client().ChatCompletions(ChatBody("over tls, untrusted"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_EQ(control_->Total("requests"), 1);
}

}  // namespace
}  // namespace llmgate
