// Forked processes share one cache: they see each other's entries while running, and the
// shared counters equal the sum of what every process did.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "llmgate/llmgate.h"
#include "testing/fork.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

constexpr int kProcs = 4;
constexpr int kPerProc = 150;

std::string Request(int proc, int i) {
  return R"({"model":"m","messages":[{"role":"user","content":"p)" + std::to_string(proc) + "-" +
         std::to_string(i) + R"("}]})";
}
std::string Response(int proc, int i) {
  return R"({"answer":")" + std::to_string(proc) + "/" + std::to_string(i) + R"(","usage":{"total_tokens":7}})";
}

TEST(CacheMultiProcessTest, ProcessesSeeEachOthersEntriesAndShareCounters) {
  testing::TempDir dir;
  auto codes = testing::RunChildren(kProcs, [&](int proc) {
    Options options;
    options.state_dir = dir.path();
    auto gate = Gate::Open(options);
    if (!gate.ok()) return 1;
    Cache& cache = (*gate)->cache();
    for (int i = 0; i < kPerProc; ++i) {
      if (!cache.Put("/chat/completions", Request(proc, i), Response(proc, i)).ok()) return 2;
    }
    // Read every process's entries until all are there (the others write concurrently).
    int64_t hits = 0, misses = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::vector<bool> seen(kProcs * kPerProc, false);
    int remaining = kProcs * kPerProc;
    while (remaining > 0 && std::chrono::steady_clock::now() < deadline) {
      for (int p = 0; p < kProcs; ++p) {
        for (int i = 0; i < kPerProc; ++i) {
          if (seen[p * kPerProc + i]) continue;
          auto r = cache.Get("/chat/completions", Request(p, i));
          if (!r.ok()) return 3;
          if (!r->has_value()) {
            ++misses;
            continue;
          }
          ++hits;
          if (**r != Response(p, i)) return 4;  // never another request's answer
          seen[p * kPerProc + i] = true;
          --remaining;
        }
      }
    }
    if (remaining > 0) return 5;
    std::ofstream(dir.File("counts-" + std::to_string(proc))) << hits << " " << misses;
    return 0;
  });
  for (int code : codes) ASSERT_EQ(code, 0);

  int64_t hits = 0, misses = 0;
  for (int p = 0; p < kProcs; ++p) {
    int64_t h = 0, m = 0;
    std::ifstream(dir.File("counts-" + std::to_string(p))) >> h >> m;
    hits += h;
    misses += m;
  }
  Options options;
  options.state_dir = dir.path();
  auto gate = Gate::Open(options);
  ASSERT_TRUE(gate.ok());
  auto stats = (*gate)->cache().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, kProcs * kPerProc);
  EXPECT_EQ(hits, kProcs * kProcs * kPerProc);
  EXPECT_EQ(stats->hits, hits);
  EXPECT_EQ(stats->misses, misses);
  EXPECT_EQ(stats->tokens_saved, 7 * hits);
  EXPECT_EQ(stats->errors, 0);
}

}  // namespace
}  // namespace llmgate
