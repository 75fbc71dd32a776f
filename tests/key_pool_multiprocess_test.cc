// The key pool across processes: rotation spreads equal keys evenly, a cool-down set by
// one process holds in another, and a dead process's lease is reclaimed. The last test
// runs against the mock server with one revoked, one out-of-quota and one throttled key
// among four.
#include <gtest/gtest.h>

#include <map>

#include "gate_internal.h"
#include "llmgate/llmgate.h"
#include "mock_openai/launcher.h"
#include "testing/fork.h"
#include "testing/key_options.h"
#include "testing/mock_control.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using testing::Scripted;

const char kChat[] = R"({"model":"m1","messages":[{"role":"user","content":"hello"}]})";

std::string KeyOf(const internal::HttpRequest& r) {
  std::string auth = testing::HeaderOf(r, "Authorization");
  return auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
}

class KeyPoolMultiprocessTest : public ::testing::Test {
 protected:
  KeyPoolMultiprocessTest() { testing::UnsetKeyEnvironment(); }

  Options BaseOptions(const std::vector<std::string>& keys) {
    return testing::ScriptedKeyPoolOptions(dir_.path(), keys);
  }

  // A gate whose transport answers with `responder` (and records into `script`).
  std::unique_ptr<Gate> Open(const Options& o, std::shared_ptr<testing::Script> script) {
    auto gate = internal::OpenGateWithTransport(o, testing::MakeScriptedTransport(std::move(script)));
    return gate.ok() ? std::move(gate).value() : nullptr;
  }

  testing::TempDir dir_;
};

TEST_F(KeyPoolMultiprocessTest, RotationSpreadsEqualKeysEvenly) {
  const std::vector<std::string> keys = {"sk-test-rot-key-0001", "sk-test-rot-key-0002", "sk-test-rot-key-0003",
                                         "sk-test-rot-key-0004"};
  constexpr int kProcesses = 4;
  constexpr int kCalls = 40;
  std::vector<int> codes = testing::RunChildren(kProcesses, [&](int) {
    auto gate = Open(BaseOptions(keys), std::make_shared<testing::Script>());
    if (!gate) return 10;
    for (int i = 0; i < kCalls; ++i)
      if (!gate->client().ChatCompletions(kChat).ok()) return 11;
    return 0;
  });
  for (int code : codes) EXPECT_EQ(code, 0);
  auto gate = Open(BaseOptions(keys), std::make_shared<testing::Script>());
  ASSERT_NE(gate, nullptr);
  auto list = gate->keys().List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  const double share = kProcesses * kCalls / 4.0;
  for (const KeyHealth& h : *list) {
    EXPECT_GE(h.requests, share * 0.9) << h.label;
    EXPECT_LE(h.requests, share * 1.1) << h.label;
  }
}

TEST_F(KeyPoolMultiprocessTest, ACoolDownSetByOneProcessHoldsInAnother) {
  const std::string a = "sk-test-cool-shared-000a";
  const std::string b = "sk-test-cool-shared-000b";
  pid_t child = testing::ForkChild([&] {
    auto script = std::make_shared<testing::Script>();
    script->Push(testing::Answer(429, R"({"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}})",
                                 {{"retry-after-ms", "30000"}}));
    Options o = BaseOptions({a});
    o.max_attempts = 1;
    auto gate = Open(o, script);
    if (!gate) return 10;
    auto r = gate->client().ChatCompletions(kChat);
    return !r.ok() && r.status().code() == StatusCode::kResourceExhausted ? 0 : 11;
  });
  ASSERT_EQ(testing::WaitChild(child), 0);

  auto script = std::make_shared<testing::Script>();
  Options o = BaseOptions({a, b});
  o.key_policy = KeyPolicy::kRoundRobin;
  auto gate = Open(o, script);
  ASSERT_NE(gate, nullptr);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(gate->client().ChatCompletions(kChat).ok());
  for (const auto& sent : script->sent) EXPECT_EQ(KeyOf(sent), b);
  auto health = gate->keys().Health("sk-…000a");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->state, KeyState::kCoolingDown);
}

TEST_F(KeyPoolMultiprocessTest, ADeadProcessesLeaseIsReclaimed) {
  const std::string key = "sk-test-lease-dead-0001";
  Options o = BaseOptions({key});
  o.key_max_in_flight = 1;
  // The child opens a stream (holding the key's only lease) and dies without closing it.
  pid_t child = testing::ForkChild([&] {
    auto script = std::make_shared<testing::Script>();
    Scripted streaming = testing::OkAnswer();
    streaming.body = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
    script->Push(streaming);
    auto gate = Open(o, script);
    if (!gate) return 10;
    auto stream = gate->client().OpenChatStream(kChat);
    if (!stream.ok()) return 11;
    auto list = gate->keys().List();
    if (!list.ok() || list->size() != 1 || (*list)[0].in_flight != 1) return 12;
    _exit(0);  // no destructors: the lease stays in quota.db
  });
  ASSERT_EQ(testing::WaitChild(child), 0);

  auto gate = Open(o, std::make_shared<testing::Script>());
  ASSERT_NE(gate, nullptr);
  auto list = gate->keys().List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)[0].in_flight, 0);  // a dead holder's lease does not count
  CallOptions bounded;
  bounded.timeout = std::chrono::seconds(5);
  auto r = gate->client().ChatCompletions(kChat, bounded);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST(KeyPoolMockTest, FourKeysOneRevokedOneBrokeOneThrottledEveryRequestSucceeds) {
  testing::UnsetKeyEnvironment();
  const std::string revoked = "sk-test-mock-revoked-1111";
  const std::string broke = "sk-test-mock-broke-2222";
  const std::string throttled = "sk-test-mock-throttled-3333";
  const std::string good = "sk-test-mock-good-4444";
  mock::LaunchOptions launch;
  launch.config_json = R"({"keys": [
      {"key": "sk-test-mock-revoked-1111", "status": "invalid"},
      {"key": "sk-test-mock-broke-2222", "status": "insufficient_quota"},
      {"key": "sk-test-mock-throttled-3333", "organization": "org-slow"},
      {"key": "sk-test-mock-good-4444", "organization": "org-fast"}],
    "organizations": {"org-slow": {"rpm": 2}, "org-fast": {"rpm": 1000}}})";
  std::string error;
  auto server = mock::MockOpenAiProcess::Start(launch, &error);
  ASSERT_NE(server, nullptr) << error;
  testing::MockControl control(server->origin());
  // The throttled key's organization is drained past llmgate's back.
  ASSERT_EQ(control.RawChat(throttled, testing::ChatBody("drain 1")), 200);
  ASSERT_EQ(control.RawChat(throttled, testing::ChatBody("drain 2")), 200);

  testing::TempDir dir;
  Options o;
  o.state_dir = dir.path();
  o.base_url = server->base_url();
  o.limits_from_env = false;
  o.key_policy = KeyPolicy::kRoundRobin;
  o.keys = testing::KeySpecs({revoked, broke, throttled, good});
  auto gate = Gate::Open(o);
  ASSERT_TRUE(gate.ok()) << gate.status().ToString();
  for (int i = 0; i < 10; ++i) {
    auto r = (*gate)->client().ChatCompletions(testing::ChatBody("request " + std::to_string(i)));
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    EXPECT_EQ(r->key_label, "sk-…4444");
  }
  // The server saw each bad key once, then only the good one.
  EXPECT_EQ(control.Total("401"), 1);
  EXPECT_EQ(control.Total("insufficient_quota"), 1);
  EXPECT_EQ(control.Total("429_requests"), 1);
  EXPECT_EQ(control.Total("ok"), 2 + 10);
}

}  // namespace
}  // namespace llmgate
