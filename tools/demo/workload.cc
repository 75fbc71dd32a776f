#include "demo/workload.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "demo/prompts.h"
#include "llmgate/llmgate.h"

namespace llmgate::demo {
namespace {

using Micros = std::chrono::microseconds;

int64_t UnixMicros() {
  return std::chrono::duration_cast<Micros>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Sleeps up to `d`, waking early once the run is over.
void Pause(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(20), until - std::chrono::steady_clock::now()));
  }
}

class Worker {
 public:
  Worker(const WorkerPlan& plan, Client& client) : plan_(plan), client_(client) {}

  WorkerTally Run() {
    std::vector<std::thread> threads;
    for (int t = 0; t < plan_.steady_threads; ++t) threads.emplace_back([this, t] { SteadyUser(t); });
    threads.emplace_back([this] { Bursts(); });
    // The run ends at the same moment in every process; calls still waiting for quota are
    // cancelled then (and counted as cut short, not as failures).
    while (UnixMicros() < plan_.stop_unix_us) {
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::min<int64_t>(50'000, std::max<int64_t>(0, plan_.stop_unix_us - UnixMicros()))));
    }
    stop_ = true;
    for (std::thread& t : threads) t.join();
    return total_;
  }

 private:
  std::mt19937_64 Rng(int stream) const {
    return std::mt19937_64(0x9E3779B97F4A7C15ull * static_cast<uint64_t>(plan_.index + 1) +
                           static_cast<uint64_t>(stream));
  }

  // A user who asks, reads the answer, thinks a little (exponential, mean 40 ms), asks again.
  void SteadyUser(int t) {
    std::mt19937_64 rng = Rng(t);
    std::exponential_distribution<double> think(1.0 / 40.0);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    WorkerTally mine;
    while (!stop_) {
      Ask(PromptSource::Request(prompts_.Draw(rng)), coin(rng) < plan_.stream_share, &mine);
      Pause(std::chrono::milliseconds(static_cast<int64_t>(think(rng))), stop_);
    }
    Add(mine);
  }

  // Every 2-5 s, several threads each fire a few requests back to back: a batch job or a
  // page that asks many questions at once.
  void Bursts() {
    std::mt19937_64 rng = Rng(1000);
    std::uniform_int_distribution<int> gap_ms(2000, 5000);
    WorkerTally mine;
    while (!stop_) {
      Pause(std::chrono::milliseconds(gap_ms(rng)), stop_);
      if (stop_) break;
      ++mine.bursts;
      std::vector<std::thread> burst;
      for (int b = 0; b < plan_.burst_threads; ++b) {
        const uint64_t seed = rng();
        burst.emplace_back([this, seed] {
          std::mt19937_64 r(seed);
          WorkerTally part;
          for (int i = 0; i < plan_.burst_requests && !stop_; ++i) Ask(PromptSource::Request(prompts_.Draw(r)), false, &part);
          Add(part);
        });
      }
      for (std::thread& t : burst) t.join();
    }
    Add(mine);
  }

  void Ask(const std::string& body, bool stream, WorkerTally* tally) {
    CallOptions options;
    options.cancelled = &stop_;
    const auto start = std::chrono::steady_clock::now();
    Result<Response> r = stream ? client_.StreamChatCompletions(body, [](std::string_view) { return true; }, options)
                                : client_.ChatCompletions(body, options);
    const double micros = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kCancelled) {
        ++tally->cut_short;
        return;
      }
      ++tally->calls;
      ++tally->failed;
      if (tally->first_error.empty()) tally->first_error = r.status().ToString();
      return;
    }
    ++tally->calls;
    if (stream) ++tally->streams;
    if (r->from_cache) {
      ++tally->cache_hits;
      // A streamed hit is replayed as chunks through the callback: only plain hits are timed.
      if (!stream) tally->hit_micros.push_back(micros);
    } else {
      ++tally->server_answers;
      tally->answer_millis.push_back(micros / 1000.0);
    }
  }

  void Add(const WorkerTally& part) {
    std::lock_guard<std::mutex> lock(mu_);
    total_.Merge(part);
  }

  const WorkerPlan& plan_;
  Client& client_;
  const PromptSource prompts_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  WorkerTally total_;
};

}  // namespace

bool RunWorker(const WorkerPlan& plan, WorkerTally* tally, std::string* error) {
  Options options;
  options.state_dir = plan.state_dir;
  options.base_url = plan.base_url;
  options.keys_file = plan.keys_file;
  // Only the demo's keys and no limits from the environment: the demo sets up its own world.
  options.keys_from_env = false;
  options.limits_from_env = false;
  options.cache_enabled = true;
  auto gate = Gate::Open(options);
  if (!gate.ok()) {
    *error = "worker " + std::to_string(plan.index) + ": " + gate.status().ToString();
    return false;
  }
  *tally = Worker(plan, (*gate)->client()).Run();
  return true;
}

}  // namespace llmgate::demo
