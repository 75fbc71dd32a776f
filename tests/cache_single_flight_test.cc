// ResponseCache::GetOrJoinFlight: the lookup that, on a miss, joins the flight of the
// request's key with the same canonical form, and looks once more when it leads.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "cache/canonical.h"
#include "cache/response_cache.h"
#include "cache/single_flight.h"
#include "cache/sqlite_cache_backend.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using internal::Flight;

constexpr char kNamespace[] = "https://api.example.test/v1";
constexpr char kPath[] = "/chat/completions";
constexpr char kRequest[] = R"({"model":"m1","messages":[{"role":"user","content":"asked twice"}]})";
constexpr char kAnswer[] =
    R"({"object":"chat.completion","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}})";

// Forwards to the real backend, but right after the first lookup (a miss) it stores the
// answer: as if an identical call in another process stored it and ended its flight
// between this call's lookup and its joining the flight.
class StoresAfterTheFirstLookup final : public internal::CacheBackend {
 public:
  explicit StoresAfterTheFirstLookup(std::unique_ptr<internal::CacheBackend> real) : real_(std::move(real)) {
    internal::Canonicalize(kNamespace, kPath, kRequest, {}, &canonical_);
  }

  Result<std::optional<internal::StoredResponse>> Lookup(const internal::Hash128& key,
                                                         std::string_view canonical_request, int64_t now_us) override {
    Result<std::optional<internal::StoredResponse>> found = real_->Lookup(key, canonical_request, now_us);
    if (lookups_++ == 0) {
      internal::NewEntry entry;
      entry.key = internal::HashCanonical(canonical_);
      entry.cache_namespace = kNamespace;
      entry.canonical_request = canonical_;
      entry.response = kAnswer;
      entry.total_tokens = 6;
      EXPECT_TRUE(real_->Store(entry, now_us, 0).ok());
    }
    return found;
  }
  Status Store(const internal::NewEntry& entry, int64_t now_us, int64_t max_bytes) override {
    return real_->Store(entry, now_us, max_bytes);
  }
  Status Remove(const internal::Hash128& key, std::string_view canonical_request) override {
    return real_->Remove(key, canonical_request);
  }
  Result<int64_t> Purge(std::optional<std::string_view> cache_namespace) override {
    return real_->Purge(cache_namespace);
  }
  Result<int64_t> RemoveExpired(int64_t now_us) override { return real_->RemoveExpired(now_us); }
  Status RecordBatch(const std::vector<internal::AccessRecord>& accesses,
                     const internal::CounterDeltas& deltas) override {
    return real_->RecordBatch(accesses, deltas);
  }
  Result<CacheStats> ReadStats() override { return real_->ReadStats(); }

 private:
  std::unique_ptr<internal::CacheBackend> real_;
  std::string canonical_;
  int lookups_ = 0;
};

class CacheSingleFlightTest : public ::testing::Test {
 protected:
  std::unique_ptr<internal::CacheBackend> RealBackend() {
    internal::DbConfig config;
    config.path = dir_.File("cache.db");
    config.logger = &logger_;
    auto backend = internal::SqliteCacheBackend::Open(config);
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    return std::move(backend).value();
  }

  internal::ResponseCacheConfig Config() {
    internal::ResponseCacheConfig rc;
    rc.default_namespace = kNamespace;
    rc.logger = &logger_;
    rc.flights_dir = dir_.File("flights");
    return rc;
  }

  testing::TempDir dir_;
  internal::Logger logger_;
  internal::SingleFlight flights_{dir_.File("flights"), 0700, 0600};
};

TEST_F(CacheSingleFlightTest, AMissJoinsTheFlightAndLeadsIt) {
  internal::ResponseCache cache(Config(), RealBackend());
  Flight flight;
  auto found = cache.GetOrJoinFlight(kPath, kRequest, {}, &flight);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(flight.leading());
  // A second caller follows it.
  Flight second;
  ASSERT_TRUE(cache.GetOrJoinFlight(kPath, kRequest, {}, &second).ok());
  EXPECT_TRUE(second.following());
  EXPECT_EQ(cache.Stats()->misses, 2);
}

TEST_F(CacheSingleFlightTest, LeadingAfterAnIdenticalCallStoredItsAnswerTakesThatAnswer) {
  internal::ResponseCache cache(Config(), std::make_unique<StoresAfterTheFirstLookup>(RealBackend()));
  Flight flight;
  auto found = cache.GetOrJoinFlight(kPath, kRequest, {}, &flight);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, kAnswer);
  // Its flight is over already: the next caller leads a new one.
  EXPECT_FALSE(flight.leading() || flight.following());
  std::string canonical;
  ASSERT_TRUE(internal::Canonicalize(kNamespace, kPath, kRequest, {}, &canonical).ok());
  Result<Flight> next = flights_.Join(internal::HashCanonical(canonical));
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->leading());
  // One miss, then the hit: looking again is not another miss.
  auto stats = cache.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->misses, 1);
  EXPECT_EQ(stats->hits, 1);
}

TEST_F(CacheSingleFlightTest, WithoutAFlightItIsAPlainGet) {
  internal::ResponseCache cache(Config(), RealBackend());
  auto found = cache.GetOrJoinFlight(kPath, kRequest, {}, nullptr);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  Flight flight;
  ASSERT_TRUE(cache.GetOrJoinFlight(kPath, kRequest, {}, &flight).ok());
  EXPECT_TRUE(flight.leading());  // nobody joined before
}

}  // namespace
}  // namespace llmgate
