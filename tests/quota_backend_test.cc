// The contract of QuotaBackend's own ReconcileAndObserve, the one a store that cannot do
// both steps in one write (a Redis backend) inherits: Reconcile, then Observe of every scope
// with the views read against the reservation's marks, as the SQLite store's single
// transaction does.
#include "limit/quota_backend.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "limit/sqlite_quota_backend.h"
#include "store/db_config.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace llmgate::internal {
namespace {

constexpr int64_t kMinute = 60'000'000;

// A store made of the separate steps: everything goes to the SQLite store except
// ReconcileAndObserve, which stays QuotaBackend's.
class StepwiseBackend final : public QuotaBackend {
 public:
  explicit StepwiseBackend(std::unique_ptr<QuotaBackend> store) : store_(std::move(store)) {}
  Result<AcquireResult> Acquire(AcquireRequest request) override { return store_->Acquire(std::move(request)); }
  Result<Reservation> Reconcile(const Reservation& r, const std::vector<Cost>& actual) override {
    return store_->Reconcile(r, actual);
  }
  Status Cancel(const Reservation& r) override { return store_->Cancel(r); }
  Status Observe(const std::string& scope, const std::vector<ServerObservation>& views,
                 const Reservation* answered) override {
    return store_->Observe(scope, views, answered);
  }
  Status Block(const std::string& scope, int64_t until) override { return store_->Block(scope, until); }
  Result<std::vector<LimitReport>> Usage(const std::optional<std::vector<std::string>>& scopes) override {
    return store_->Usage(scopes);
  }
  Result<std::vector<LimitChange>> SetLimits(const std::vector<LimitDef>& defs) override {
    return store_->SetLimits(defs);
  }
  Result<bool> RemoveLimit(const LimitDef& def) override { return store_->RemoveLimit(def); }
  Result<std::vector<std::string>> ResetUsage(const std::optional<std::string>& scope) override {
    return store_->ResetUsage(scope);
  }

 private:
  std::unique_ptr<QuotaBackend> store_;
};

class QuotaBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DbConfig config;
    config.path = dir_.File("quota.db");
    auto store = SqliteQuotaBackend::Open(config, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    backend_ = std::make_unique<StepwiseBackend>(std::move(store).value());
    LimitDef tpm;
    tpm.scope = "server:g";
    tpm.dimension = "tokens";
    tpm.limit = 1000;
    tpm.window_micros = kMinute;
    ASSERT_TRUE(backend_->SetLimits({tpm}).ok());
  }

  Reservation Take(int64_t tokens) {
    AcquireRequest request;
    request.scopes = {"server:g"};
    request.costs = {{"tokens", tokens}};
    auto r = backend_->Acquire(request);
    EXPECT_TRUE(r.ok() && r->plan.outcome == PlanOutcome::kGranted);
    return r.ok() ? r->plan.reservation : Reservation{};
  }

  int64_t Used() {
    auto usage = backend_->Usage(std::vector<std::string>{"server:g"});
    EXPECT_TRUE(usage.ok() && usage->size() == 1);
    return usage.ok() && usage->size() == 1 ? (*usage)[0].usage.used : -1;
  }

  testing::TempDir dir_;
  std::shared_ptr<testing::FakeClock> clock_ = std::make_shared<testing::FakeClock>();
  std::unique_ptr<QuotaBackend> backend_;
};

TEST_F(QuotaBackendTest, TheStepwiseReconcileAndObserveReadsTheViewAsOfTheAnsweredRequest) {
  Reservation a = Take(300);
  Take(300);  // b: on its way when a's answer comes back
  ASSERT_FALSE(a.marks.empty());
  // Another host had used 200: the server had 500 in use when it admitted a; a used 250.
  Status observed = InternalError("unset");
  auto reconciled = backend_->ReconcileAndObserve(a, {{"tokens", 250}}, {"server:g"},
                                                  {{"tokens", 500, 30'000'000}}, &observed);
  ASSERT_TRUE(reconciled.ok()) << reconciled.status().ToString();
  ASSERT_TRUE(observed.ok()) << observed.ToString();
  EXPECT_EQ(reconciled->marks.size(), a.marks.size());
  // a as the server admitted it (300), b and the other host's 200. Read as of now, the
  // view would leave 500 and forget b.
  EXPECT_EQ(Used(), 800);
}

}  // namespace
}  // namespace llmgate::internal
