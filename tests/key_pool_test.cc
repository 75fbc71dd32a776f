// The key pool: key sources, the pure choice and health rules, and the pool inside a gate
// with a scripted transport and a fake clock (nothing sleeps).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include "gate_internal.h"
#include "keys/key_rules.h"
#include "keys/key_selection.h"
#include "keys/key_sources.h"
#include "keys/latency_histogram.h"
#include "llmgate/llmgate.h"
#include "testing/fake_clock.h"
#include "testing/key_options.h"
#include "testing/log_capture.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using internal::AttemptClass;
using internal::AttemptReport;
using internal::KeyCandidate;
using internal::KeyCondition;
using internal::KeyRules;
using testing::HeaderOf;
using testing::Scripted;

constexpr char kRevoked[] = "sk-test-pool-revoked-aaaa1111";
constexpr char kBroke[] = "sk-test-pool-broke-bbbb2222";
constexpr char kThrottled[] = "sk-test-pool-throttled-cccc3333";
constexpr char kGood[] = "sk-test-pool-good-dddd4444";
const char kChat[] = R"({"model":"m1","messages":[{"role":"user","content":"hello"}]})";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string KeyOf(const internal::HttpRequest& r) {
  std::string auth = HeaderOf(r, "Authorization");
  return auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
}

// ---- key sources ----

TEST(KeyFileTest, ParsesKeysAndFields) {
  auto keys = internal::ParseKeyFile(
      "# keys of the batch jobs\n"
      "sk-one\n"
      "\n"
      "sk-two  label=batch org=org-1 project=proj_1  # the second\n"
      "sk-three base_url=https://gw.example/v1/ limits=rpm=500,tpm=30000\n");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0].key, "sk-one");
  EXPECT_EQ((*keys)[1].label, "batch");
  EXPECT_EQ((*keys)[1].organization, "org-1");
  EXPECT_EQ((*keys)[1].project, "proj_1");
  EXPECT_EQ((*keys)[2].base_url, "https://gw.example/v1/");
  ASSERT_EQ((*keys)[2].limits.size(), 2u);
  EXPECT_EQ((*keys)[2].limits[0].dimension, "requests");
  EXPECT_EQ((*keys)[2].limits[0].limit, 500);
  EXPECT_EQ((*keys)[2].limits[1].dimension, "tokens");
}

TEST(KeyFileTest, ErrorsNameTheLineNeverTheKey) {
  for (const char* text : {"sk-secret-key-1 colour=red\n", "sk-secret-key-1 limits=rpm=0\n",
                           "sk-secret-key-1 limits=global/rpm=5\n", "sk-secret-key-1 label\n"}) {
    auto keys = internal::ParseKeyFile(std::string("sk-ok\n") + text);
    ASSERT_FALSE(keys.ok()) << text;
    EXPECT_EQ(keys.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(keys.status().message().find("line 2"), std::string::npos) << keys.status().message();
    EXPECT_EQ(keys.status().message().find("sk-secret-key-1"), std::string::npos) << keys.status().message();
  }
}

TEST(KeySourcesTest, CollectsEachKeyOnceAndWarnsOfAReadableFile) {
  testing::TempDir dir;
  const std::string file = dir.File("keys");
  {
    std::ofstream out(file);
    out << "sk-from-file label=f\nsk-shared\n";
  }
  chmod(file.c_str(), 0644);
  setenv("OPENAI_API_KEYS", "sk-env-1, sk-shared ,sk-env-2", 1);
  setenv("OPENAI_API_KEY", "sk-env-1", 1);
  Options o;
  o.api_key = "sk-option";
  o.keys_file = file;
  testing::LogCapture logs;
  internal::Logger logger(logs.Sink(), LogLevel::kInfo);
  auto keys = internal::CollectKeys(o, logger);
  unsetenv("OPENAI_API_KEYS");
  unsetenv("OPENAI_API_KEY");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  std::vector<std::string> names;
  for (const ApiKeySpec& k : *keys) names.push_back(k.key);
  EXPECT_EQ(names, (std::vector<std::string>{"sk-option", "sk-from-file", "sk-shared", "sk-env-1", "sk-env-2"}));
  EXPECT_TRUE(logs.Contains("can be read or written by other users"));

  o.keys_file = dir.File("missing");
  auto missing = internal::CollectKeys(o, logger);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
}

// ---- pure rules ----

TEST(KeySelectionTest, MostHeadroomThenFewestInFlightThenFewestRequests) {
  std::vector<KeyCandidate> keys(4);
  keys[0].headroom = 0.2;
  keys[1].headroom = 0.9;
  keys[1].in_flight = 3;
  keys[2].headroom = 0.9;
  keys[2].in_flight = 1;
  keys[2].requests = 10;
  keys[3].headroom = 0.9;
  keys[3].in_flight = 1;
  keys[3].requests = 5;
  auto r = internal::RankKeys(keys, KeyPolicy::kMostHeadroom, 0, 0, 1000);
  EXPECT_EQ(r.ready, (std::vector<size_t>{3, 2, 1, 0}));
}

TEST(KeySelectionTest, SkipsDisabledExcludedCoolingAndFullKeys) {
  std::vector<KeyCandidate> keys(5);
  keys[0].disabled = true;
  keys[1].excluded = true;
  keys[2].cooldown_until = 5000;
  keys[3].in_flight = 2;
  auto r = internal::RankKeys(keys, KeyPolicy::kRoundRobin, 3, 2, 1000);
  EXPECT_EQ(r.ready, (std::vector<size_t>{4}));
  EXPECT_TRUE(r.any_usable);

  keys[4].cooldown_until = 3000;
  keys[3].in_flight = 0;
  keys[3].cooldown_until = 9000;
  r = internal::RankKeys(keys, KeyPolicy::kRoundRobin, 0, 2, 1000);
  EXPECT_TRUE(r.ready.empty());
  EXPECT_EQ(r.earliest_return, 3000);

  for (auto& k : keys) k.disabled = true;
  r = internal::RankKeys(keys, KeyPolicy::kMostHeadroom, 0, 0, 1000);
  EXPECT_FALSE(r.any_usable);
}

TEST(KeySelectionTest, RoundRobinStartsAtTheCursor) {
  std::vector<KeyCandidate> keys(3);
  EXPECT_EQ(internal::RankKeys(keys, KeyPolicy::kRoundRobin, 4, 0, 0).ready, (std::vector<size_t>{1, 2, 0}));
}

TEST(KeyRulesTest, HowAttemptsChangeAKey) {
  KeyRules rules{3, 30'000'000};
  KeyCondition c;
  AttemptReport a;
  a.kind = AttemptClass::kServer;
  c = ApplyAttempt(c, a, rules, 100);
  c = ApplyAttempt(c, a, rules, 100);
  EXPECT_EQ(c.failures_in_row, 2);
  EXPECT_EQ(c.cooldown_until, 0);
  a.kind = AttemptClass::kSuccess;
  c = ApplyAttempt(c, a, rules, 100);
  EXPECT_EQ(c.failures_in_row, 0);
  a.kind = AttemptClass::kNetwork;
  for (int i = 0; i < 3; ++i) c = ApplyAttempt(c, a, rules, 100);
  EXPECT_EQ(c.cooldown_until, 100 + 30'000'000);
  EXPECT_EQ(c.failures_in_row, 0);

  a.kind = AttemptClass::kRateLimited;
  a.cooldown_until = 99'000'000;
  c = ApplyAttempt(c, a, rules, 200);
  EXPECT_EQ(c.cooldown_until, 99'000'000);
  EXPECT_FALSE(c.disabled);

  a.kind = AttemptClass::kAuth;
  a.error_code = "invalid_api_key";
  c = ApplyAttempt(c, a, rules, 300);
  EXPECT_TRUE(c.disabled);
  EXPECT_EQ(c.disabled_reason, "invalid_api_key");
  a.kind = AttemptClass::kQuota;
  EXPECT_EQ(ApplyAttempt(KeyCondition{}, a, rules, 0).disabled_reason, "insufficient_quota");
}

TEST(LatencyHistogramTest, BucketsAndQuantiles) {
  EXPECT_EQ(internal::LatencyBucket(500), 0);
  EXPECT_EQ(internal::LatencyBucket(1000), 0);
  EXPECT_EQ(internal::LatencyBucket(2000), 4);
  EXPECT_EQ(internal::LatencyBucketUpperMillis(4), 2);
  EXPECT_EQ(internal::LatencyBucket(int64_t{1} << 50), internal::kLatencyBuckets - 1);
  // A latency lies in a bucket whose upper bound is at least it and below 1.19 times it.
  for (int64_t ms : {3, 17, 250, 1234, 60000}) {
    const int64_t upper = internal::LatencyBucketUpperMillis(internal::LatencyBucket(ms * 1000));
    EXPECT_GE(upper, ms);
    EXPECT_LE(upper, ms * 1.19 + 1);
  }
  std::map<int, int64_t> counts;
  for (int i = 0; i < 90; ++i) ++counts[internal::LatencyBucket(10'000)];
  for (int i = 0; i < 10; ++i) ++counts[internal::LatencyBucket(1'000'000)];
  EXPECT_LE(internal::LatencyQuantileMillis(counts, 0.5), 12);
  EXPECT_GE(internal::LatencyQuantileMillis(counts, 0.99), 1000);
  EXPECT_EQ(internal::LatencyQuantileMillis({}, 0.5), 0);
}

// ---- the pool in a gate ----

class KeyPoolTest : public ::testing::Test {
 protected:
  KeyPoolTest() : clock_(std::make_shared<testing::FakeClock>()), script_(std::make_shared<testing::Script>()) {
    testing::UnsetKeyEnvironment();
  }

  Options BaseOptions(const std::vector<std::string>& keys) {
    Options o = testing::ScriptedKeyPoolOptions(dir_.path(), keys);
    o.clock = clock_;
    o.log_sink = logs_.Sink();
    o.log_level = LogLevel::kDebug;
    return o;
  }

  std::unique_ptr<Gate> Open(const Options& o) {
    auto gate = internal::OpenGateWithTransport(o, testing::MakeScriptedTransport(script_));
    EXPECT_TRUE(gate.ok()) << gate.status().ToString();
    return gate.ok() ? std::move(gate).value() : nullptr;
  }

  // Answers like a server for which kRevoked is revoked, kBroke has no billing quota,
  // kThrottled is rate limited for 30 s and every other key works.
  void ServeFourKinds() {
    script_->responder = [](const internal::HttpRequest& r) -> Scripted {
      const std::string key = KeyOf(r);
      if (key == kRevoked)
        return testing::Answer(401, R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}})");
      if (key == kBroke)
        return testing::Answer(429, R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})");
      if (key == kThrottled)
        return testing::Answer(429, R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})",
                               {{"retry-after-ms", "30000"}});
      return testing::OkAnswer();
    };
  }

  KeyHealth HealthOf(Gate& gate, const std::string& label) {
    auto h = gate.keys().Health(label);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() ? *h : KeyHealth{};
  }

  testing::TempDir dir_;
  testing::LogCapture logs_;
  std::shared_ptr<testing::FakeClock> clock_;
  std::shared_ptr<testing::Script> script_;
};

TEST_F(KeyPoolTest, EveryRequestSucceedsOnTheGoodKeyAndBrokenKeysAreSetAside) {
  ServeFourKinds();
  Options o = BaseOptions({kRevoked, kBroke, kThrottled, kGood});
  o.key_policy = KeyPolicy::kRoundRobin;
  o.max_attempts = 1;  // moving to another key is not a retry
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  for (int i = 0; i < 12; ++i) {
    auto r = gate->client().ChatCompletions(kChat);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    EXPECT_EQ(r->key_label, "sk-…4444");
  }
  // Each broken key was tried once, then avoided by every later call.
  std::map<std::string, int> sent;
  for (const auto& r : script_->sent) ++sent[KeyOf(r)];
  EXPECT_EQ(sent[kRevoked], 1);
  EXPECT_EQ(sent[kBroke], 1);
  EXPECT_EQ(sent[kThrottled], 1);
  EXPECT_EQ(sent[kGood], 12);

  KeyHealth revoked = HealthOf(*gate, "sk-…1111");
  EXPECT_EQ(revoked.state, KeyState::kDisabled);
  EXPECT_EQ(revoked.disabled_reason, "invalid_api_key");
  EXPECT_EQ(revoked.auth_errors, 1);
  EXPECT_EQ(revoked.last_error_request_id, "req_401");
  EXPECT_EQ(HealthOf(*gate, "sk-…2222").disabled_reason, "insufficient_quota");
  KeyHealth throttled = HealthOf(*gate, "sk-…3333");
  EXPECT_EQ(throttled.state, KeyState::kCoolingDown);
  EXPECT_EQ(throttled.cooldown_until_micros, clock_->NowMicros() + 30'000'000);
  EXPECT_EQ(throttled.http_429, 1);
  KeyHealth good = HealthOf(*gate, "sk-…4444");
  EXPECT_EQ(good.requests, 12);
  EXPECT_EQ(good.successes, 12);
  EXPECT_DOUBLE_EQ(good.success_rate, 1.0);
  EXPECT_EQ(good.tokens_in, 60);
  EXPECT_EQ(good.tokens_out, 12);
  EXPECT_EQ(good.in_flight, 0);

  // Disabled keys stay disabled after a restart; a cool-down ends on its own.
  gate.reset();
  gate = Open(o);
  ASSERT_NE(gate, nullptr);
  clock_->Advance(31'000'000);
  EXPECT_EQ(HealthOf(*gate, "sk-…1111").state, KeyState::kDisabled);
  EXPECT_EQ(HealthOf(*gate, "sk-…3333").state, KeyState::kActive);
  ASSERT_TRUE(gate->keys().Enable("sk-…1111").ok());
  EXPECT_EQ(HealthOf(*gate, "sk-…1111").state, KeyState::kActive);
  ASSERT_TRUE(gate->keys().Disable("sk-…4444", "rotated out").ok());
  EXPECT_EQ(HealthOf(*gate, "sk-…4444").disabled_reason, "rotated out");
  EXPECT_EQ(gate->keys().Health("sk-nope").status().code(), StatusCode::kNotFound);
}

TEST_F(KeyPoolTest, EveryKeyDisabledFailsWithTheReason) {
  ServeFourKinds();
  auto gate = Open(BaseOptions({kRevoked}));
  ASSERT_NE(gate, nullptr);
  auto first = gate->client().ChatCompletions(kChat);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kUnauthenticated);
  auto second = gate->client().ChatCompletions(kChat);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(second.status().message().find("every API key is disabled"), std::string::npos);
  EXPECT_EQ(script_->SentCount(), 1u);
}

TEST_F(KeyPoolTest, AllKeysCoolingWaitsForTheFirstToComeBack) {
  Options o = BaseOptions({"sk-test-cool-one-0001", "sk-test-cool-two-0002"});
  std::vector<RetryEvent> retries;
  o.on_retry = [&](const RetryEvent& e) { retries.push_back(e); };
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  script_->Push(testing::Answer(429, R"({"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}})",
                                {{"retry-after-ms", "3000"}}));
  script_->Push(testing::Answer(429, R"({"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}})",
                                {{"retry-after-ms", "2000"}}));
  const int64_t start = clock_->NowMicros();
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 3);
  // It waited for the key that came back first (2 s), not the other (3 s).
  const int64_t waited = clock_->NowMicros() - start;
  EXPECT_GE(waited, 2'000'000);
  EXPECT_LT(waited, 3'000'000);
  ASSERT_EQ(script_->sent.size(), 3u);
  EXPECT_EQ(KeyOf(script_->sent[2]), KeyOf(script_->sent[1]));
  // Moving from the first key to the second was immediate; only the wait for the second
  // key to come back was a retry.
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0].delay.count(), 2000);
}

TEST_F(KeyPoolTest, ANewCallWaitsWhileEveryKeyCoolsDown) {
  Options o = BaseOptions({"sk-test-cool-one-0001", "sk-test-cool-two-0002"});
  o.max_attempts = 1;
  std::vector<WaitEvent> waits;
  o.on_wait = [&](const WaitEvent& e) { waits.push_back(e); };
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  script_->Push(testing::Answer(429, R"({"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}})",
                                {{"retry-after-ms", "3000"}}));
  script_->Push(testing::Answer(429, R"({"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}})",
                                {{"retry-after-ms", "2000"}}));
  auto throttled = gate->client().ChatCompletions(kChat);
  ASSERT_FALSE(throttled.ok());
  EXPECT_EQ(throttled.status().code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(throttled.status().retry_after().has_value());

  const int64_t start = clock_->NowMicros();
  auto r = gate->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(clock_->NowMicros() - start, 2'000'000);
  EXPECT_LT(clock_->NowMicros() - start, 3'000'000);
  ASSERT_FALSE(waits.empty());
  EXPECT_EQ(waits[0].limit_name, "cooldown");
  EXPECT_EQ(waits[0].wait.count(), 2000);
  auto shared = gate->client().SharedStats();
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(shared->waits, static_cast<int64_t>(waits.size()));
  EXPECT_GE(shared->wait_millis, 2000);
  EXPECT_EQ(shared->http_429, 2);
  EXPECT_EQ(shared->failures, 1);

  // Past the call's deadline it does not wait at all.
  script_->Push(testing::Answer(429, R"({"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}})",
                                {{"retry-after-ms", "60000"}}));
  script_->Push(testing::Answer(429, R"({"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}})",
                                {{"retry-after-ms", "60000"}}));
  ASSERT_FALSE(gate->client().ChatCompletions(kChat).ok());
  CallOptions quick;
  quick.timeout = std::chrono::seconds(5);
  const int64_t before = clock_->NowMicros();
  auto late = gate->client().ChatCompletions(kChat, quick);
  ASSERT_FALSE(late.ok());
  // Throttled: it says when the first key comes back (up to 60 s after the 429s).
  EXPECT_EQ(late.status().code(), StatusCode::kResourceExhausted) << late.status().ToString();
  ASSERT_TRUE(late.status().retry_after().has_value());
  EXPECT_GT(late.status().retry_after()->count(), 5'000);
  EXPECT_LE(late.status().retry_after()->count(), 60'000);
  EXPECT_EQ(clock_->NowMicros(), before);
}

TEST_F(KeyPoolTest, RepeatedServerErrorsCoolAKeyDown) {
  Options o = BaseOptions({"sk-test-flaky-key-0001", "sk-test-solid-key-0002"});
  o.key_policy = KeyPolicy::kRoundRobin;
  o.key_failure_threshold = 2;
  o.key_failure_cooldown = std::chrono::seconds(20);
  o.max_attempts = 3;
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  script_->responder = [](const internal::HttpRequest& r) -> Scripted {
    if (KeyOf(r) == "sk-test-flaky-key-0001") return testing::Answer(503, "busy");
    return testing::OkAnswer();
  };
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  KeyHealth flaky = HealthOf(*gate, "sk-…0001");
  EXPECT_EQ(flaky.server_errors, 2);
  EXPECT_EQ(flaky.state, KeyState::kCoolingDown);
  EXPECT_EQ(flaky.last_error.find("HTTP 503"), 0u) << flaky.last_error;
}

TEST_F(KeyPoolTest, KeysOfTheFileWithLimitsAndBaseUrl) {
  const std::string file = dir_.File("keys.txt");
  {
    std::ofstream out(file);
    out << "sk-test-file-key-0001 label=primary base_url=https://eu.example.test/v1 limits=rpm=2\n";
  }
  chmod(file.c_str(), 0600);
  Options o = BaseOptions({});
  o.keys_file = file;
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  EXPECT_EQ(script_->sent[0].url, "https://eu.example.test/v1/chat/completions");
  EXPECT_FALSE(logs_.Contains("other users"));
  auto health = gate->keys().List();
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->size(), 1u);
  EXPECT_EQ((*health)[0].label, "primary");
  auto usage = gate->limiter().Usage((*health)[0].fingerprint);
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ((*usage)[0].limit.limit, 2);
}

TEST_F(KeyPoolTest, MostHeadroomWeighsEveryScopeOfEveryKey) {
  // a and b share org-1, whose limit for the model is nearly spent; c is alone in org-2; b
  // also has a key limit of its own. Only c has room left in every scope it draws from.
  Options o = BaseOptions({});
  for (const auto& [key, org] : {std::pair{"sk-test-headroom-a-0001", "org-1"}, {"sk-test-headroom-b-0002", "org-1"},
                                 {"sk-test-headroom-c-0003", "org-2"}}) {
    ApiKeySpec spec;
    spec.key = key;
    spec.organization = org;
    o.keys.push_back(spec);
  }
  o.keys[1].limits = *ParseLimits("rpm=100");
  o.limits = *ParseLimits("org:org-1/model:m1/rpm=10,org:org-2/model:m1/rpm=10");
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  AcquireRequest spend;
  spend.scopes = {"org:org-1/model:m1"};
  spend.cost = {{"requests", 8}};
  ASSERT_TRUE(gate->limiter().TryAcquire(spend)->granted());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  ASSERT_EQ(script_->sent.size(), 3u);
  for (const internal::HttpRequest& sent : script_->sent) EXPECT_EQ(KeyOf(sent), "sk-test-headroom-c-0003");
}

TEST_F(KeyPoolTest, KeysNeverReachTheDatabaseOrTheLogs) {
  ServeFourKinds();
  Options o = BaseOptions({kRevoked, kBroke, kThrottled, kGood});
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  ASSERT_TRUE(gate->keys().List().ok());
  gate.reset();
  const std::string logs = logs_.All();
  for (const char* key : {kRevoked, kBroke, kThrottled, kGood}) {
    EXPECT_EQ(logs.find(key), std::string::npos) << key;
    for (const char* file : {"quota.db", "quota.db-wal", "cache.db", "cache.db-wal"})
      EXPECT_EQ(ReadFile(dir_.File(file)).find(key), std::string::npos) << file << " holds " << key;
  }
  EXPECT_NE(logs.find("sk-…1111"), std::string::npos);  // labels are what the logs show
}

TEST_F(KeyPoolTest, ALeaseCapMakesCallsUseOtherKeys) {
  Options o = BaseOptions({"sk-test-lease-key-0001", "sk-test-lease-key-0002"});
  o.key_max_in_flight = 1;
  auto gate = Open(o);
  ASSERT_NE(gate, nullptr);
  // A call in flight on the first key (held by a stream left open) makes the next call use
  // the second key.
  script_->responder = [](const internal::HttpRequest& r) -> Scripted {
    Scripted s = testing::OkAnswer();
    if (r.body.find("\"stream\":true") != std::string::npos) {
      s.headers.emplace_back("content-type", "text/event-stream");
      s.body = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
    }
    return s;
  };
  auto stream = gate->client().OpenChatStream(kChat);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  const std::string streamed_with = KeyOf(script_->sent[0]);
  ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  EXPECT_NE(KeyOf(script_->sent[1]), streamed_with);
  auto list = gate->keys().List();
  ASSERT_TRUE(list.ok());
  int64_t in_flight = 0;
  for (const KeyHealth& h : *list) in_flight += h.in_flight;
  EXPECT_EQ(in_flight, 1);
  stream->reset();  // abandoning the stream gives its lease back
  list = gate->keys().List();
  in_flight = 0;
  for (const KeyHealth& h : *list) in_flight += h.in_flight;
  EXPECT_EQ(in_flight, 0);
}

}  // namespace
}  // namespace llmgate
