#include "demo/cache_workload.h"

#include <time.h>

#include <cmath>
#include <cstdio>

#include "llmgate/llmgate.h"

namespace llmgate::demo {
namespace {

int64_t NowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Popular prompts are asked far more often than rare ones (a Zipf-like draw), as in real
// traffic where a few questions repeat.
int DrawPrompt(uint64_t* state, int distinct) {
  *state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
  double u = static_cast<double>(*state >> 11) / 9007199254740992.0;
  return static_cast<int>(std::pow(u, 2.5) * distinct) % distinct;
}

std::string Answer(int prompt) {
  std::string text = "Answer to question " + std::to_string(prompt) + ": ";
  while (text.size() < 900) text += "the catalogue lists it as available in paperback. ";
  return R"({"id":"chatcmpl-demo-)" + std::to_string(prompt) +
         R"(","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":")" +
         text + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":420,"completion_tokens":180,"total_tokens":600}})";
}

}  // namespace

std::string DemoRequest(int i) {
  std::string system(1500, ' ');
  system.replace(0, 60, "You are a helpful assistant for a bookshop; answer briefly.");
  return R"({"model":"gpt-4o-mini","temperature":0.2,"max_tokens":200,"messages":[{"role":"system","content":")" +
         system + R"("},{"role":"user","content":"Question number )" + std::to_string(i) +
         R"(: is this title in stock?"}]})";
}

WorkerResult RunWorker(const WorkerConfig& config) {
  WorkerResult result;
  Options options;
  options.state_dir = config.state_dir;
  auto gate = Gate::Open(options);
  if (!gate.ok()) {
    std::fprintf(stderr, "worker %d: %s\n", config.worker, gate.status().ToString().c_str());
    result.errors = config.requests;
    return result;
  }
  Cache& cache = (*gate)->cache();
  uint64_t rng = 0x9E3779B97F4A7C15ull * (config.worker + 1);
  for (int r = 0; r < config.requests; ++r) {
    std::string request = DemoRequest(DrawPrompt(&rng, config.distinct));
    int64_t start = NowNanos();
    auto hit = cache.Get("/chat/completions", request);
    int64_t elapsed = NowNanos() - start;
    if (!hit.ok()) {
      ++result.errors;
    } else if (hit->has_value()) {
      ++result.hits;
      result.hit_micros.push_back(elapsed / 1000.0);
    } else {
      ++result.misses;
      // A miss is where the application would call the API; the demo answers itself.
      if (!cache.Put("/chat/completions", request, Answer(r % config.distinct)).ok()) ++result.errors;
    }
  }
  return result;
}

}  // namespace llmgate::demo
