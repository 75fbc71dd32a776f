// The client's pipeline with a scripted transport and a fake clock: what is sent on each
// attempt, how long it waits and why, what it learns, and what it returns. Nothing sleeps.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>


#include "gate_internal.h"
#include "http/transport.h"
#include "llmgate/llmgate.h"
#include "testing/fake_clock.h"
#include "testing/log_capture.h"
#include "testing/scripted_client_options.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using internal::HttpRequest;
using internal::TransportFailure;
using testing::HeaderOf;
using testing::Script;
using testing::Scripted;

Scripted Ok() { return testing::OkAnswer(); }
Scripted Ok(std::string body) {
  Scripted s = testing::OkAnswer();
  s.body = std::move(body);
  return s;
}
Scripted Status(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return testing::Answer(status, std::move(body), std::move(headers));
}

constexpr char kKey[] = "sk-test-pipeline-secret-7777";

const char kChat[] = R"({"model":"m1","messages":[{"role":"user","content":"hello"}]})";

// How many descriptors of this process are open on `path`.
int OpenDescriptorsOf(const std::string& path) {
  int count = 0;
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return -1;
  while (dirent* e = readdir(fds)) {
    char target[4096];
    const std::string link = std::string("/proc/self/fd/") + e->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n > 0 && std::string(target, static_cast<size_t>(n)) == path) ++count;
  }
  closedir(fds);
  return count;
}

class ClientPipelineTest : public ::testing::Test {
 protected:
  ClientPipelineTest() : clock_(std::make_shared<testing::FakeClock>()), script_(std::make_shared<Script>()) {}

  Options BaseOptions() {
    Options o = testing::ScriptedClientOptions(dir_.path(), kKey, clock_, logs_);
    o.on_retry = [this](const RetryEvent& e) { retries_.push_back(e); };
    return o;
  }

  std::unique_ptr<Gate> Open(const Options& o) {
    auto gate = internal::OpenGateWithTransport(o, testing::MakeScriptedTransport(script_));
    EXPECT_TRUE(gate.ok()) << gate.status().ToString();
    return gate.ok() ? std::move(gate).value() : nullptr;
  }

  void Answer(Scripted s) { script_->answers.push_back(std::move(s)); }

  testing::TempDir dir_;
  testing::LogCapture logs_;
  std::shared_ptr<testing::FakeClock> clock_;
  std::shared_ptr<Script> script_;
  std::vector<RetryEvent> retries_;
};

// The limiter and the key store share quota.db's connections: a thread's call uses one
// connection for both, so SQLite keeps its page cache across the call's transactions
// (a commit on another connection would make it drop the whole cache).
TEST_F(ClientPipelineTest, OneThreadsCallsUseOneConnectionToTheQuotaDatabase) {
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  for (int i = 0; i < 3; ++i) {
    CallOptions call;
    call.cache.skip_read = true;
    auto r = gate->client().ChatCompletions(kChat, call);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(OpenDescriptorsOf(dir_.path() + "/quota.db"), 1);
}

TEST_F(ClientPipelineTest, RetriesServerErrorsWithBackoffAndOneIdempotencyKey) {
  Options o = BaseOptions();
  o.organization = "org-decl";
  o.project = "proj-decl";
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Answer(Status(503, R"({"error":{"message":"busy","type":"server_error"}})"));
  Answer(Status(500, "oops"));
  Answer(Ok());
  const int64_t start = clock_->NowMicros();
  CallOptions call;
  call.headers = {{"Accept", "application/x-custom"}, {"X-Extra", "1"}};
  auto r = gate->client().ChatCompletions(kChat, call);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(r->request_id, "req_ok");

  ASSERT_EQ(script_->sent.size(), 3u);
  const std::string key = HeaderOf(script_->sent[0], "Idempotency-Key");
  EXPECT_EQ(key.rfind("llmgate-", 0), 0u);
  for (const HttpRequest& sent : script_->sent) {
    EXPECT_EQ(sent.url, "https://api.example.test/v1/chat/completions");
    EXPECT_EQ(HeaderOf(sent, "Idempotency-Key"), key);
    EXPECT_EQ(HeaderOf(sent, "Authorization"), std::string("Bearer ") + kKey);
    EXPECT_EQ(HeaderOf(sent, "OpenAI-Organization"), "org-decl");
    EXPECT_EQ(HeaderOf(sent, "OpenAI-Project"), "proj-decl");
    EXPECT_EQ(HeaderOf(sent, "Accept"), "application/x-custom");
    EXPECT_EQ(HeaderOf(sent, "X-Extra"), "1");
    EXPECT_EQ(sent.body, kChat);
  }
  ASSERT_EQ(retries_.size(), 2u);
  EXPECT_EQ(retries_[0].error.http_status(), 503);
  EXPECT_EQ(retries_[0].error.request_id(), "req_503");
  EXPECT_GE(retries_[0].delay.count(), 375);
  EXPECT_LE(retries_[0].delay.count(), 500);
  EXPECT_GE(retries_[1].delay.count(), 750);
  EXPECT_LE(retries_[1].delay.count(), 1000);
  auto shared = gate->client().SharedStats();
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(shared->retries, 2);
  EXPECT_EQ(shared->failures, 0);
  // The waits passed on the injected clock.
  EXPECT_GE(clock_->NowMicros() - start, (retries_[0].delay.count() + retries_[1].delay.count()) * 1000);
}

TEST_F(ClientPipelineTest, HonoursTheServersHintAndSharesIt) {
  Options o = BaseOptions();
  // While the call waits to retry, the hold is already stored for every process: an
  // acquire on the group x model scope is denied until it ends.
  std::optional<AcquireOutcome> probe_outcome;
  Gate* gate_ptr = nullptr;
  o.on_retry = [&](const RetryEvent& e) {
    retries_.push_back(e);
    AcquireRequest probe;
    probe.scopes = {"server:org:org-learned/model:m1"};
    probe.cost = {{"requests", 1}};
    auto outcome = gate_ptr->limiter().TryAcquire(probe);
    if (outcome.ok()) probe_outcome = *outcome;
  };
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  gate_ptr = gate.get();
  Answer(Status(429, R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})",
                {{"retry-after-ms", "2500"}, {"openai-organization", "org-learned"}}));
  Answer(Ok());
  const int64_t start = clock_->NowMicros();
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(retries_.size(), 1u);
  EXPECT_EQ(retries_[0].delay.count(), 2500);
  EXPECT_EQ(retries_[0].error.code(), StatusCode::kResourceExhausted);
  EXPECT_GE(clock_->NowMicros() - start, 2'500'000);
  EXPECT_TRUE(logs_.Contains("belongs to org:org-learned"));
  ASSERT_TRUE(probe_outcome.has_value());
  ASSERT_FALSE(probe_outcome->granted());
  EXPECT_EQ(probe_outcome->denial->limit_name, "block");
  EXPECT_NEAR(probe_outcome->denial->retry_after.count(), 2500, 10);
}

// A 429's remaining counted what the server had admitted when it refused the request, not
// the requests sent after it that are still on their way: those stay counted here.
TEST_F(ClientPipelineTest, ARefusedRequestsRemainingIsReadAsOfWhenTheServerSawIt) {
  Options o = BaseOptions();
  o.organization = "org-y";
  const std::string scope = "org:org-y/model:m1";
  o.limits = {Limit{scope, "requests", 100}};
  Gate* gate_ptr = nullptr;
  std::optional<int64_t> used_at_retry;
  o.on_retry = [&](const RetryEvent& e) {
    retries_.push_back(e);
    auto usage = gate_ptr->limiter().Usage(scope);
    if (usage.ok() && usage->size() == 1) used_at_retry = (*usage)[0].used;
  };
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  gate_ptr = gate.get();
  int answered = 0;
  script_->responder = [&](const HttpRequest&) {
    if (answered++ > 0) return Ok();
    // While the request is on its way, 30 more are sent from the same scope.
    AcquireRequest later;
    later.scopes = {scope};
    later.cost = {{"requests", 30}};
    auto outcome = gate_ptr->limiter().TryAcquire(later);
    EXPECT_TRUE(outcome.ok() && outcome->granted());
    // The server had 50 in use when it refused the request.
    return Status(429, R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})",
                  {{"retry-after-ms", "100"},
                   {"x-ratelimit-remaining-requests", "50"},
                   {"x-ratelimit-reset-requests", "30s"}});
  };
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(retries_.size(), 1u);
  // The server's 50 and the 30 sent after the refused request (which was refunded). Read as
  // of the 429's arrival, the 30 were forgotten: 50.
  ASSERT_TRUE(used_at_retry.has_value());
  EXPECT_EQ(*used_at_retry, 80);
}

TEST_F(ClientPipelineTest, AHintPastTheDeadlineEndsTheCallAtOnce) {
  Options o = BaseOptions();
  o.call_timeout = std::chrono::seconds(1);
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Answer(Status(429, R"({"error":{"message":"slow down","type":"tokens","code":"rate_limit_exceeded"}})",
                {{"retry-after", "5"}}));
  const int64_t start = clock_->NowMicros();
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().http_status(), 429);
  EXPECT_LT(clock_->NowMicros() - start, 1'000'000);
  EXPECT_EQ(script_->sent.size(), 1u);
}

TEST_F(ClientPipelineTest, LearnedLimitsApplyBesideConfiguredOnesAndAMismatchIsLogged) {
  Options o = BaseOptions();
  o.organization = "org-x";
  // Configured above the server's limit: the server's, learned, still binds.
  o.limits = {Limit{"org:org-x/model:m1", "requests", 150}};
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Answer(Scripted(Ok()));
  script_->answers.back().headers = {{"x-ratelimit-limit-requests", "100"},
                                     {"x-ratelimit-limit-tokens", "30000"},
                                     {"x-ratelimit-remaining-requests", "99"},
                                     {"x-ratelimit-remaining-tokens", "29000"},
                                     {"x-ratelimit-reset-requests", "600ms"},
                                     {"x-ratelimit-reset-tokens", "2s"}};
  ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());

  auto configured = gate->limiter().Usage("org:org-x/model:m1");
  ASSERT_TRUE(configured.ok());
  ASSERT_EQ(configured->size(), 1u);
  EXPECT_EQ((*configured)[0].limit.limit, 150);
  EXPECT_EQ((*configured)[0].limit.source, LimitSource::kConfigured);

  auto learned = gate->limiter().Usage("server:org:org-x/model:m1");
  ASSERT_TRUE(learned.ok());
  bool requests = false, tokens = false;
  for (const LimitUsage& u : *learned) {
    EXPECT_EQ(u.limit.source, LimitSource::kLearned);
    if (u.limit.dimension == "requests") {
      requests = true;
      EXPECT_EQ(u.limit.limit, 100);
    } else if (u.limit.dimension == "tokens") {
      tokens = true;
      EXPECT_EQ(u.limit.limit, 30000);
      // The server's view (29000 left) made the local state at least as strict.
      EXPECT_LE(u.remaining, 29000);
    }
  }
  EXPECT_TRUE(requests);
  EXPECT_TRUE(tokens);
  EXPECT_TRUE(logs_.Contains("differs from the server's 100")) << logs_.All();

  // Every call of the group and model draws from both: 100 requests pass now, not 150.
  AcquireRequest burst;
  burst.scopes = {"org:org-x/model:m1", "server:org:org-x/model:m1"};
  burst.cost = {{"requests", 100}};
  auto outcome = gate->limiter().TryAcquire(burst);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->granted());
}

TEST_F(ClientPipelineTest, LearningCanBeTurnedOff) {
  Options o = BaseOptions();
  o.learn_limits = false;
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Answer(Scripted(Ok()));
  script_->answers.back().headers = {{"x-ratelimit-limit-requests", "100"}, {"openai-organization", "org-q"}};
  ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  auto usage = gate->limiter().Usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_TRUE(usage->empty());
}

TEST_F(ClientPipelineTest, AzureUrlAndKeyHeader) {
  Options o = BaseOptions();
  o.api_style = ApiStyle::kAzure;
  o.base_url = "https://res.openai.azure.com/openai/deployments/dep1/";
  o.azure_api_version = "2024-10-21";
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  ASSERT_EQ(script_->sent.size(), 1u);
  EXPECT_EQ(script_->sent[0].url,
            "https://res.openai.azure.com/openai/deployments/dep1/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(HeaderOf(script_->sent[0], "api-key"), kKey);
  EXPECT_EQ(HeaderOf(script_->sent[0], "Authorization"), "");
}

TEST_F(ClientPipelineTest, TransportDetailsNeverCarryTheKey) {
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  Scripted fail;
  fail.failure = TransportFailure::kTls;
  fail.failure_detail = std::string("handshake failed for header Bearer ") + kKey;
  Answer(fail);
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message().find(kKey), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("sk-…7777"), std::string::npos) << r.status().message();
  EXPECT_EQ(logs_.All().find(kKey), std::string::npos);
}

TEST_F(ClientPipelineTest, AResponseTooLargeToAcceptIsNotRetried) {
  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  Scripted large;
  large.failure = TransportFailure::kTooLarge;
  large.failure_detail = "response body larger than max_body_bytes (268435456 bytes)";
  Answer(large);
  Answer(testing::OkAnswer());  // what a retry would get
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("response too large"), std::string::npos) << r.status().message();
  EXPECT_EQ(script_->sent.size(), 1u);
}

TEST_F(ClientPipelineTest, NoKeySendsNoAuthorization) {
  Options o = BaseOptions();
  o.api_key.clear();
  unsetenv("OPENAI_API_KEY");
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(HeaderOf(script_->sent[0], "Authorization"), "");
  EXPECT_EQ(r->key_label, "(no key)");
}

TEST_F(ClientPipelineTest, ARefusedRequestGivesItsQuotaBack) {
  Options o = BaseOptions();
  Limit daily{"global", "requests", 1000, std::chrono::hours(24)};
  daily.kind = WindowKind::kCalendar;
  o.limits = {daily};
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Answer(Status(400, R"({"error":{"message":"bad","type":"invalid_request_error","param":"messages"}})"));
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  auto usage = gate->limiter().Usage("global");
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ((*usage)[0].used, 0);
  // A server error may have been charged by the server: it stays charged here too.
  Answer(Status(500, "x"));
  CallOptions once;
  once.max_attempts = 1;
  ASSERT_FALSE(gate->client().ChatCompletions(kChat, once).ok());
  usage = gate->limiter().Usage("global");
  EXPECT_EQ((*usage)[0].used, 1);
}

TEST_F(ClientPipelineTest, GenericMultipartRequestPassesThroughAsOneRequest) {
  Options o = BaseOptions();
  Limit daily{"global", "requests", 1000, std::chrono::hours(24)};
  daily.kind = WindowKind::kCalendar;
  o.limits = {daily};
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  Answer(Ok(R"({"id":"file-1","object":"file"})"));
  HttpCall upload;
  upload.path = "/files";
  upload.content_type = "multipart/form-data; boundary=XyZ";
  upload.body = "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--XyZ--\r\n";
  auto r = gate->client().Request(upload);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(script_->sent.size(), 1u);
  EXPECT_EQ(script_->sent[0].url, "https://api.example.test/v1/files");
  EXPECT_EQ(HeaderOf(script_->sent[0], "Content-Type"), upload.content_type);
  EXPECT_EQ(script_->sent[0].body, upload.body);
  auto usage = gate->limiter().Usage("global");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ((*usage)[0].used, 1);
}

// Counts every byte as a token: far more than the heuristic's quarter.
class ByteTokenizer : public Tokenizer {
 public:
  int64_t CountTokens(std::string_view, std::string_view text) const override {
    return static_cast<int64_t>(text.size());
  }
};

TEST_F(ClientPipelineTest, APluggedInTokenizerDecidesTheEstimate) {
  Options o = BaseOptions();
  o.tokenizer = std::make_shared<ByteTokenizer>();
  o.default_completion_tokens = 10;
  Limit daily{"global", "tokens", 1000, std::chrono::hours(24)};
  daily.kind = WindowKind::kCalendar;
  o.limits = {daily};
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  // 600 bytes of text: 3 + 4 + 150 + 10 = 167 tokens by the heuristic, 3 + 4 + 600 + 10 = 617
  // by this tokenizer. With 400 of the day's 1000 held, only the tokenizer's estimate does
  // not fit (until the next day, past the call's deadline).
  const std::string text(600, 'a');
  const std::string body = R"({"model":"m1","messages":[{"role":"user","content":")" + text + R"("}]})";
  AcquireRequest hold;
  hold.scopes = {"global"};
  hold.cost = {{"tokens", 400}};
  ASSERT_TRUE(gate->limiter().TryAcquire(hold)->granted());
  auto r = gate->client().ChatCompletions(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(script_->sent.size(), 0u);
}

}  // namespace
}  // namespace llmgate
