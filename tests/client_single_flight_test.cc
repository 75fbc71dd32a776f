// Single-flight in the client's pipeline, with a scripted transport and a fake clock: a
// call that misses while an identical one is under way waits for it instead of calling
// the API. The test stands in for the call under way by holding its flight, and ends it
// from the clock the waiting call sleeps on. Nothing sleeps.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <functional>

#include "cache/canonical.h"
#include "cache/response_cache.h"
#include "cache/single_flight.h"
#include "gate_internal.h"
#include "llmgate/llmgate.h"
#include "testing/fake_clock.h"
#include "testing/log_capture.h"
#include "testing/scripted_client_options.h"
#include "testing/scripted_transport.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using internal::Flight;
using testing::Script;

constexpr char kKey[] = "sk-test-single-flight-1234";
constexpr char kPath[] = "/chat/completions";
const char kChat[] = R"({"model":"m1","messages":[{"role":"user","content":"the same question"}]})";
const char kStoredAnswer[] =
    R"({"id":"chatcmpl-first","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"the first call's answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,)"
    R"("completion_tokens":3,"total_tokens":10}})";

// A fake clock that runs `on_sleep` (once) the first time a caller sleeps on it: the
// moment the waiting call has started to wait.
class WaitHookClock : public testing::FakeClock {
 public:
  void SleepForMicros(int64_t micros) const override {
    FakeClock::SleepForMicros(micros);
    ++sleeps;
    if (on_sleep) std::exchange(on_sleep, nullptr)();
  }
  mutable std::function<void()> on_sleep;
  mutable std::atomic<int> sleeps{0};
};

class ClientSingleFlightTest : public ::testing::Test {
 protected:
  ClientSingleFlightTest() : clock_(std::make_shared<WaitHookClock>()), script_(std::make_shared<Script>()) {}

  Options BaseOptions() { return testing::ScriptedClientOptions(dir_.path(), kKey, clock_, logs_); }

  void Open(const Options& o) {
    auto gate = internal::OpenGateWithTransport(o, testing::MakeScriptedTransport(script_));
    ASSERT_TRUE(gate.ok()) << gate.status().ToString();
    gate_ = std::move(gate).value();
  }

  // The flight of kChat as another process joins it: under the cache key of the request
  // (its canonical form in the gate's namespace, the base URL), in the state directory.
  Result<Flight> JoinAsAnotherProcess() {
    std::string canonical;
    if (Status s = internal::Canonicalize(testing::kScriptedBaseUrl, kPath, kChat, {}, &canonical); !s.ok()) return s;
    return flights_.Join(internal::HashCanonical(canonical));
  }

  // What an identical call under way in another process holds.
  Flight HoldFlight() {
    Result<Flight> flight = JoinAsAnotherProcess();
    EXPECT_TRUE(flight.ok()) << flight.status().ToString();
    EXPECT_TRUE(flight->leading());
    return flight.ok() ? std::move(flight).value() : Flight();
  }

  testing::TempDir dir_;
  internal::SingleFlight flights_{dir_.path() + "/flights", 0700, 0600};
  testing::LogCapture logs_;
  std::shared_ptr<WaitHookClock> clock_;
  std::shared_ptr<Script> script_;
  std::unique_ptr<Gate> gate_;
};

TEST_F(ClientSingleFlightTest, AMissWaitsForTheIdenticalCallUnderWayAndTakesItsAnswer) {
  Open(BaseOptions());
  Flight under_way = HoldFlight();
  clock_->on_sleep = [&] {
    ASSERT_TRUE(gate_->cache().Put(kPath, kChat, kStoredAnswer).ok());
    under_way.End();
  };
  const int64_t start = clock_->NowMicros();
  auto r = gate_->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->from_cache);
  EXPECT_EQ(r->body, kStoredAnswer);
  EXPECT_EQ(r->usage.total_tokens, 10);
  EXPECT_EQ(script_->SentCount(), 0u);
  EXPECT_GT(clock_->NowMicros(), start);  // it waited
  EXPECT_TRUE(logs_.Contains("waiting for an identical call under way"));
  // The lookup before the wait missed, the one after it hit.
  auto stats = gate_->cache().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->misses, 1);
  EXPECT_EQ(stats->hits, 1);
  EXPECT_EQ(gate_->client().Stats().single_flight_waits, 1);
  auto shared = gate_->client().SharedStats();
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(shared->single_flight_waits, 1);
}

TEST_F(ClientSingleFlightTest, WhenTheCallUnderWayStoresNothingTheWaiterCallsTheApiItself) {
  Open(BaseOptions());
  Flight under_way = HoldFlight();
  clock_->on_sleep = [&] { under_way.End(); };  // it failed: nothing stored
  auto r = gate_->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->from_cache);
  EXPECT_EQ(script_->SentCount(), 1u);
  EXPECT_GE(clock_->sleeps.load(), 1);
  auto stats = gate_->cache().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->misses, 1);  // one call, one miss: looking again after the wait is not another
  EXPECT_EQ(stats->hits, 0);
}

TEST_F(ClientSingleFlightTest, AWaiterGivesUpAtItsDeadline) {
  Open(BaseOptions());
  Flight under_way = HoldFlight();
  const int64_t start = clock_->NowMicros();
  CallOptions call;
  call.timeout = std::chrono::milliseconds(4000);
  auto r = gate_->client().ChatCompletions(kChat, call);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(clock_->NowMicros() - start, 4'000'000);
  EXPECT_EQ(script_->SentCount(), 0u);
}

TEST_F(ClientSingleFlightTest, ACancelledWaiterStops) {
  Open(BaseOptions());
  Flight under_way = HoldFlight();
  std::atomic<bool> cancelled{false};
  clock_->on_sleep = [&] { cancelled = true; };
  CallOptions call;
  call.cancelled = &cancelled;
  auto r = gate_->client().ChatCompletions(kChat, call);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(script_->SentCount(), 0u);
}

TEST_F(ClientSingleFlightTest, TheCallingCallHoldsTheFlightUntilItsAnswerIsStored) {
  Open(BaseOptions());
  bool followed_during_call = false;
  script_->responder = [&](const internal::HttpRequest&) {
    // While the answer is on its way, an identical call would follow.
    Result<Flight> other = JoinAsAnotherProcess();
    followed_during_call = other.ok() && other->following();
    return testing::OkAnswer();
  };
  auto r = gate_->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(followed_during_call);
  auto stats = gate_->cache().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->misses, 1);  // looking again once it leads is not another miss
  // Ended, and the answer is in the cache for whoever waited.
  Flight next = HoldFlight();
  EXPECT_TRUE(next.leading());
  auto stored = gate_->cache().Get(kPath, kChat);
  ASSERT_TRUE(stored.ok() && stored->has_value());
}

TEST_F(ClientSingleFlightTest, CallsThatWillNotStoreTheirAnswerNeitherWaitNorLead) {
  Open(BaseOptions());
  Flight under_way = HoldFlight();
  CallOptions skip_write;
  skip_write.cache.skip_write = true;
  CallOptions skip_read;
  skip_read.cache.skip_read = true;
  for (const CallOptions& call : {skip_write, skip_read}) {
    auto r = gate_->client().ChatCompletions(kChat, call);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(r->from_cache);
  }
  EXPECT_EQ(script_->SentCount(), 2u);
  EXPECT_EQ(clock_->sleeps.load(), 0);
  EXPECT_EQ(gate_->client().Stats().single_flight_waits, 0);
}

TEST_F(ClientSingleFlightTest, StreamsDoNotWait) {
  Open(BaseOptions());
  Flight under_way = HoldFlight();
  script_->responder = [](const internal::HttpRequest&) {
    testing::Scripted s = testing::Answer(200, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
                                               "data: [DONE]\n\n",
                                          {{"content-type", "text/event-stream"}});
    return s;
  };
  int chunks = 0;
  auto r = gate_->client().StreamChatCompletions(kChat, [&](std::string_view) {
    ++chunks;
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(chunks, 1);
  EXPECT_EQ(script_->SentCount(), 1u);
  EXPECT_EQ(clock_->sleeps.load(), 0);
}

TEST_F(ClientSingleFlightTest, AnUnusableFlightsDirectoryIsBypassedLoggedAndCounted) {
  std::ofstream(dir_.path() + "/flights") << "not a directory";
  Open(BaseOptions());
  for (int i = 0; i < 2; ++i) {
    auto r = gate_->client().ChatCompletions(kChat);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->from_cache, i == 1);
  }
  EXPECT_EQ(script_->SentCount(), 1u);
  EXPECT_TRUE(logs_.Contains("cache single-flight failed and was bypassed"));
  auto stats = gate_->cache().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->errors, 1);
}

TEST_F(ClientSingleFlightTest, TurnedOffEveryMissCallsTheApi) {
  Options o = BaseOptions();
  o.cache_single_flight = false;
  Open(o);
  // Another process's flight, which this gate's calls do not see.
  Flight under_way = HoldFlight();
  Flight none;
  auto missed = static_cast<internal::ResponseCache&>(gate_->cache()).GetOrJoinFlight(kPath, kChat, {}, &none);
  ASSERT_TRUE(missed.ok() && !missed->has_value());
  EXPECT_FALSE(none.leading() || none.following());
  auto r = gate_->client().ChatCompletions(kChat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(script_->SentCount(), 1u);
  EXPECT_EQ(clock_->sleeps.load(), 0);
}

}  // namespace
}  // namespace llmgate
