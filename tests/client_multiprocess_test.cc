// Shared learning across processes: what one process learns from the server (a 429's
// wait, the remaining quota) holds every other process of the state directory, so the
// second one does not meet the 429 the first one met. And single-flight: processes that
// send one prompt at once cost one API call. Counted on the server's side.
#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "llmgate/llmgate.h"
#include "mock_openai/launcher.h"
#include "testing/fork.h"
#include "testing/mock_control.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using testing::ChatBody;

constexpr char kKey[] = "sk-test-multiprocess-0042";

TEST(ClientMultiprocessTest, SecondProcessAvoidsTheRateLimitTheFirstMet) {
  testing::TempDir dir;
  mock::LaunchOptions launch;
  // One request refills per second.
  launch.config_json = R"({"default_limits": {"rpm": 60, "tpm": 1000000}})";
  std::string error;
  auto server = mock::MockOpenAiProcess::Start(launch, &error);
  ASSERT_NE(server, nullptr) << error;
  testing::MockControl control(server->origin());
  // Drained past llmgate's back: llmgate's first request meets a 429.
  for (int i = 0; i < 60; ++i) ASSERT_EQ(control.RawChat(kKey, ChatBody("drain " + std::to_string(i))), 200);

  Options options;
  options.state_dir = dir.path();
  options.base_url = server->base_url();
  options.api_key = kKey;
  options.limits_from_env = false;

  int met_429[2];
  ASSERT_EQ(pipe(met_429), 0);
  // First process: meets the 429, tells the test, waits as told and succeeds.
  pid_t first = testing::ForkChild([&]() -> int {
    close(met_429[0]);
    Options o = options;
    o.on_retry = [&](const RetryEvent& e) {
      if (e.error.http_status() == 429) (void)!write(met_429[1], "x", 1);
    };
    auto gate = Gate::Open(o);
    if (!gate.ok()) return 10;
    auto r = (*gate)->client().ChatCompletions(ChatBody("first process"));
    if (!r.ok()) return 11;
    return r->attempts == 2 ? 0 : 12;
  });
  close(met_429[1]);
  char byte = 0;
  ASSERT_EQ(read(met_429[0], &byte, 1), 1) << "the first process never met its 429";
  close(met_429[0]);

  // Second process, started once the first has met its 429: it waits instead.
  pid_t second = testing::ForkChild([&]() -> int {
    auto gate = Gate::Open(options);
    if (!gate.ok()) return 20;
    auto r = (*gate)->client().ChatCompletions(ChatBody("second process"));
    if (!r.ok()) return 21;
    return r->attempts == 1 ? 0 : 22;
  });
  EXPECT_EQ(testing::WaitChild(first), 0);
  EXPECT_EQ(testing::WaitChild(second), 0);
  EXPECT_EQ(control.Total("http_429"), 1);
  EXPECT_EQ(control.Total("ok"), 62);
}

// Four processes send one prompt at the same moment, while the server takes 400 ms to
// answer: one of them calls the API, the others wait for its answer and take it from the
// cache. Whatever the order the processes run in, the server sees one request (a process
// that comes late finds the answer stored).
TEST(ClientMultiprocessTest, IdenticalPromptsSentAtOnceCostOneApiCall) {
  testing::TempDir dir;
  mock::LaunchOptions launch;
  launch.config_json = R"({"faults": {"latency_ms": 400}})";
  std::string error;
  auto server = mock::MockOpenAiProcess::Start(launch, &error);
  ASSERT_NE(server, nullptr) << error;
  testing::MockControl control(server->origin());

  Options options;
  options.state_dir = dir.path();
  options.base_url = server->base_url();
  options.api_key = kKey;
  options.limits_from_env = false;

  constexpr int kProcesses = 4;
  int ready[2], go[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(go), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    // Exit code 0: answered by the API; 1: from the cache; 10 and up: failed.
    children.push_back(testing::ForkChild([&]() -> int {
      auto gate = Gate::Open(options);
      if (!gate.ok()) return 10;
      (void)!write(ready[1], "r", 1);
      char byte;
      if (read(go[0], &byte, 1) != 1) return 11;
      auto r = (*gate)->client().ChatCompletions(ChatBody("one question, asked by every process"));
      if (!r.ok()) return 12;
      return r->from_cache ? 1 : 0;
    }));
  }
  for (int i = 0; i < kProcesses; ++i) {
    char byte = 0;
    ASSERT_EQ(read(ready[0], &byte, 1), 1);
  }
  ASSERT_EQ(write(go[1], "gggg", kProcesses), kProcesses);
  int from_api = 0, from_cache = 0;
  for (pid_t child : children) {
    const int code = testing::WaitChild(child);
    EXPECT_TRUE(code == 0 || code == 1) << "child exit code " << code;
    (code == 0 ? from_api : from_cache) += 1;
  }
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
  EXPECT_EQ(from_api, 1);
  EXPECT_EQ(from_cache, kProcesses - 1);
  EXPECT_EQ(control.Total("ok"), 1);
  // Every process counted its wait where all of them see it (a late process that found the
  // answer stored did not wait).
  auto gate = Gate::Open(options);
  ASSERT_TRUE(gate.ok());
  auto shared = (*gate)->client().SharedStats();
  ASSERT_TRUE(shared.ok());
  EXPECT_LE(shared->single_flight_waits, kProcesses - 1);
  EXPECT_GE(shared->single_flight_waits, 1);
}

}  // namespace
}  // namespace llmgate
