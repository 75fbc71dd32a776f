// Shared learning across processes: what one process learns from the server (a 429's
// wait, the remaining quota) holds every other process of the state directory, so the
// second one does not meet the 429 the first one met. Counted on the server's side.
#include <gtest/gtest.h>
#include <unistd.h>

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

}  // namespace
}  // namespace llmgate
