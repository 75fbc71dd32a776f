// The limiter refuses bad input with typed errors and fails closed on a quota.db it
// cannot trust: read-only or corrupt files give kFailedPrecondition / kDataLoss naming the
// file, nothing is ever granted then, and the file is never moved, rebuilt or reset.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "limit/limit_convert.h"
#include "limit/limit_spec.h"
#include "llmgate/llmgate.h"
#include "testing/fake_clock.h"
#include "testing/limit_helpers.h"
#include "testing/log_capture.h"
#include "testing/temp_dir.h"

namespace llmgate {
namespace {

using std::chrono::milliseconds;

using testing::Req;
using testing::Specs;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Makes a file read-only for the lifetime of the object in a way that holds for root too
// (tests run as root in CI, and root ignores permission bits): the immutable attribute
// (chattr +i) for root, mode 0444 for anyone else. ok() is false when neither is possible
// (a filesystem without the attribute, no CAP_LINUX_IMMUTABLE).
class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(std::string path) : path_(std::move(path)) {
    if (::geteuid() == 0) {
      ok_ = immutable_ = SetImmutable(true);
    } else {
      ok_ = ::chmod(path_.c_str(), 0444) == 0;
    }
  }
  ~ReadOnlyFile() { Release(); }
  void Release() {
    if (!ok_) return;
    if (immutable_) {
      SetImmutable(false);
    } else {
      ::chmod(path_.c_str(), 0600);
    }
    ok_ = false;
  }
  bool ok() const { return ok_; }

 private:
  bool SetImmutable(bool on) {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    int flags = 0;
    bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (ok) {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    ::close(fd);
    // Check that it really holds: opening for writing must now fail.
    if (ok && on) {
      int w = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
      if (w >= 0) {
        ::close(w);
        SetImmutable(false);
        return false;
      }
    }
    return ok;
  }

  std::string path_;
  bool ok_ = false;
  bool immutable_ = false;
};

class LimiterFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("LLMGATE_LIMITS");
    ::unsetenv("LLMGATE_LIMITS_FILE");
  }
  void TearDown() override {
    ::unsetenv("LLMGATE_LIMITS");
    ::unsetenv("LLMGATE_LIMITS_FILE");
  }
  Options BaseOptions(const std::string& specs = "") {
    Options o;
    o.state_dir = dir_.path();
    o.clock = clock_;
    o.log_sink = log_.Sink();
    o.limits_from_env = false;
    o.limits = Specs(specs);
    return o;
  }
  std::unique_ptr<Gate> Open(const Options& options) {
    auto gate = Gate::Open(options);
    EXPECT_TRUE(gate.ok()) << gate.status().ToString();
    return gate.ok() ? std::move(gate).value() : nullptr;
  }
  Status OpenStatus(const Options& options) {
    auto gate = Gate::Open(options);
    return gate.ok() ? Status::Ok() : gate.status();
  }
  std::string QuotaDb() const { return dir_.File("quota.db"); }

  // Fills quota.db with many scopes (several pages of each table), each charged once.
  void Fill(int scopes) {
    auto gate = Open(BaseOptions());
    ASSERT_NE(gate, nullptr);
    std::vector<Limit> limits;
    for (int i = 0; i < scopes; ++i) {
      for (const Limit& l : Specs("rpm=1000\nrpd=100000\ntpm=1000000\ntpd=100000000")) {
        limits.push_back(l);
        limits.back().scope = "key:" + std::to_string(100000 + i);
      }
    }
    ASSERT_TRUE(gate->limiter().SetLimits(limits).ok());
    for (int i = 0; i < scopes; ++i) {
      auto r =
          gate->limiter().TryAcquire(Req({"key:" + std::to_string(100000 + i)}, {{"requests", 1}, {"tokens", 10}}));
      ASSERT_TRUE(r.ok() && r->granted());
    }
  }  // the last connection to close checkpoints the WAL into quota.db

  // Overwrites the page in the middle of quota.db with garbage.
  void CorruptMiddlePage() {
    const auto size = std::filesystem::file_size(QuotaDb());
    ASSERT_GT(size, 16u * 4096u);
    int fd = ::open(QuotaDb().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const std::string garbage(4096, '\xA5');
    const off_t offset = static_cast<off_t>(size / 4096 / 2 * 4096);
    ASSERT_EQ(::pwrite(fd, garbage.data(), garbage.size(), offset), static_cast<ssize_t>(garbage.size()));
    ::close(fd);
  }

  // No quarantined copies, no rebuilt file: quota.db is left exactly where it was.
  void ExpectLeftInPlace(const std::string& contents) {
    EXPECT_EQ(ReadAll(QuotaDb()), contents);
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = e.path().filename();
      EXPECT_EQ(name.find("corrupt"), std::string::npos) << name;
    }
  }

  testing::TempDir dir_;
  std::shared_ptr<testing::FakeClock> clock_ = std::make_shared<testing::FakeClock>();
  testing::LogCapture log_;
};

// ---- Bad input ----

TEST_F(LimiterFaultTest, ZeroOrNegativeLimitsAreRefused) {
  for (int64_t value : {0, -5}) {
    Options o = BaseOptions();
    Limit l;
    l.dimension = "requests";
    l.limit = value;
    o.limits.push_back(l);
    Status s = OpenStatus(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), "Options::limits[0]")) << s.message();
    EXPECT_TRUE(Contains(s.message(), "must be > 0")) << s.message();
  }
  ::setenv("LLMGATE_LIMITS", "rpm=0", 1);
  Options env = BaseOptions();
  env.limits_from_env = true;
  EXPECT_EQ(OpenStatus(env).code(), StatusCode::kInvalidArgument);
  ::unsetenv("LLMGATE_LIMITS");

  auto gate = Open(BaseOptions());
  ASSERT_NE(gate, nullptr);
  Limit bad;
  bad.dimension = "tokens";
  bad.limit = 0;
  EXPECT_EQ(gate->limiter().SetLimits({bad}).code(), StatusCode::kInvalidArgument);
  bad.limit = 10;
  bad.window = std::chrono::microseconds(0);
  EXPECT_EQ(gate->limiter().SetLimits({bad}).code(), StatusCode::kInvalidArgument);
  bad.window = std::chrono::minutes(1);
  bad.burst = -1;
  EXPECT_EQ(gate->limiter().SetLimits({bad}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(gate->limiter().Usage()->empty());  // nothing stored
}

TEST_F(LimiterFaultTest, InvalidDimensionNamesAndAmountsAreRefused) {
  auto gate = Open(BaseOptions("rpm=10"));
  ASSERT_NE(gate, nullptr);
  Limiter& limiter = gate->limiter();
  for (const char* name : {"Tokens", "", "to kens", "tokens!", "usd-micros"}) {
    SCOPED_TRACE(name);
    Limit l;
    l.dimension = name;
    l.limit = 10;
    EXPECT_EQ(limiter.SetLimits({l}).code(), StatusCode::kInvalidArgument);
    auto r = limiter.TryAcquire(Req({}, {{name, 1}}));
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(limiter.Observe("", {{name, 1, std::chrono::seconds(1)}}).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(limiter.TryAcquire(Req({}, {{"requests", -1}})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(limiter.TryAcquire(Req({}, {{"requests", 1}}, -1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(limiter.TryAcquire(Req({"bad\nscope"}, {{"requests", 1}})).status().code(), StatusCode::kInvalidArgument);
  auto r = limiter.TryAcquire(Req({}, {{"requests", 1}}));
  ASSERT_TRUE(r.ok() && r->granted());
  EXPECT_EQ(limiter.Reconcile(*r->reservation, {{"tokens", -3}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(limiter.Cancel(Reservation{}).code(), StatusCode::kInvalidArgument);
  // The refused calls took nothing.
  EXPECT_EQ((*limiter.Usage())[0].used, 1);
}

TEST_F(LimiterFaultTest, ACostOverTheWholeLimitIsRequestTooLarge) {
  auto gate = Open(BaseOptions("tpm=1000\ntpd=5000;calendar"));
  ASSERT_NE(gate, nullptr);
  for (int64_t cost : {1001, 5001}) {
    auto r = gate->limiter().TryAcquire(Req({}, {{"tokens", cost}}, 3'600'000));
    EXPECT_EQ(r.status().code(), StatusCode::kRequestTooLarge) << r.status().ToString();
    auto b = gate->limiter().Acquire(Req({}, {{"tokens", cost}}));
    EXPECT_EQ(b.status().code(), StatusCode::kRequestTooLarge) << b.status().ToString();
    EXPECT_FALSE(b.status().IsRetryable());
  }
  EXPECT_TRUE(Contains(gate->limiter().TryAcquire(Req({}, {{"tokens", 1001}})).status().message(), "tpm"));
  auto usage = gate->limiter().Usage();
  ASSERT_TRUE(usage.ok());
  for (const LimitUsage& u : *usage) EXPECT_EQ(u.used, 0) << u.name;
  EXPECT_EQ(clock_->NowMicros(), testing::FakeClock().NowMicros());  // and never waited
}

TEST_F(LimiterFaultTest, AMalformedEnvironmentVariableFailsOpenNamingTheToken) {
  const struct {
    const char* value;
    const char* token;
  } cases[] = {
      {"rpm=abc", "'abc'"},
      {"rpm=500,rpx=5", "'rpx'"},
      {"rpm", "missing '='"},
      {"tpm=100;burst=x", "'x'"},
      {"tpm=100;rolling", "'rolling'"},
      {"rpm=5,rpm=6", "defined twice"},
      {"bad scope/rpm=5", "'bad scope'"},
      {"tokens/1fortnight=5", "'1fortnight'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    ::setenv("LLMGATE_LIMITS", c.value, 1);
    Options o = BaseOptions();
    o.limits_from_env = true;
    Status s = OpenStatus(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), "LLMGATE_LIMITS")) << s.message();
    EXPECT_TRUE(Contains(s.message(), c.token)) << s.message();
  }
}

TEST_F(LimiterFaultTest, ABadLimitsFileFailsOpenNamingTheFile) {
  const std::string file = dir_.File("limits.conf");
  std::ofstream(file) << "rpm=10\ntpm=lots\n";
  Options o = BaseOptions();
  o.limits_file = file;
  Status s = OpenStatus(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), file)) << s.message();
  EXPECT_TRUE(Contains(s.message(), "'lots'")) << s.message();

  o.limits_file = dir_.File("missing.conf");
  s = OpenStatus(o);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "missing.conf")) << s.message();
}

// ---- A quota.db that cannot be written ----

TEST_F(LimiterFaultTest, AReadOnlyQuotaDbFailsClosed) {
  {
    auto gate = Open(BaseOptions("rpm=100"));
    ASSERT_NE(gate, nullptr);
    ASSERT_TRUE(gate->limiter().TryAcquire(Req({}, {{"requests", 7}}))->granted());
  }
  const std::string before = ReadAll(QuotaDb());
  ReadOnlyFile read_only(QuotaDb());
  if (!read_only.ok()) GTEST_SKIP() << "cannot make a file read-only here (no immutable attribute)";

  // The configuration is already stored, so the gate opens; the limiter then refuses.
  auto gate = Open(BaseOptions("rpm=100"));
  ASSERT_NE(gate, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto r = gate->limiter().TryAcquire(Req({}, {{"requests", 1}}));
    ASSERT_FALSE(r.ok()) << "granted from a read-only quota.db";
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
    EXPECT_TRUE(Contains(r.status().message(), QuotaDb())) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), "read-only")) << r.status().message();
  }
  auto blocking = gate->limiter().Acquire(Req({}, {{"requests", 1}}));
  EXPECT_EQ(blocking.status().code(), StatusCode::kFailedPrecondition) << blocking.status().ToString();
  EXPECT_EQ(gate->limiter().Block("global", clock_->NowMicros() + 1'000'000).code(), StatusCode::kFailedPrecondition);
  // Reading still works: the report shows what was spent.
  auto usage = gate->limiter().Usage();
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  EXPECT_EQ((*usage)[0].used, 7);

  // A gate that must store a changed limit cannot open.
  Status s = OpenStatus(BaseOptions("rpm=200"));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  gate.reset();

  // Writable again: everything as it was, nothing reset.
  read_only.Release();
  EXPECT_EQ(ReadAll(QuotaDb()), before);
  auto again = Open(BaseOptions("rpm=100"));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ((*again->limiter().Usage())[0].used, 7);
  EXPECT_TRUE(again->limiter().TryAcquire(Req({}, {{"requests", 1}}))->granted());
}

// ---- A corrupt quota.db ----

TEST_F(LimiterFaultTest, AFileThatIsNotADatabaseFailsOpenAndIsLeftInPlace) {
  std::ofstream(QuotaDb()) << std::string(8192, 'x');
  const std::string contents = ReadAll(QuotaDb());
  for (int attempt = 0; attempt < 2; ++attempt) {
    Status s = OpenStatus(BaseOptions("rpm=10"));
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), QuotaDb())) << s.message();
    EXPECT_TRUE(Contains(s.message(), "never rebuilds or deletes")) << s.message();
  }
  ExpectLeftInPlace(contents);
}

TEST_F(LimiterFaultTest, QuotaDbOfAnotherProgramOrANewerLlmgateIsRefused) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(QuotaDb().c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA application_id=1234; CREATE TABLE t(x)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  Status s = OpenStatus(BaseOptions());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "another program")) << s.message();

  std::filesystem::remove(QuotaDb());
  { ASSERT_NE(Open(BaseOptions()), nullptr); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(QuotaDb().c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  s = OpenStatus(BaseOptions());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "newer llmgate")) << s.message();
}

TEST_F(LimiterFaultTest, APageOverwrittenInTheMiddleFailsOpenAndIsLeftInPlace) {
  Fill(1500);
  ASSERT_FALSE(std::filesystem::exists(QuotaDb() + "-wal") && std::filesystem::file_size(QuotaDb() + "-wal") > 0);
  CorruptMiddlePage();
  const std::string contents = ReadAll(QuotaDb());
  Status s = OpenStatus(BaseOptions());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), QuotaDb())) << s.message();
  ExpectLeftInPlace(contents);
}

TEST_F(LimiterFaultTest, CorruptionFoundAfterOpenFailsEveryLaterCall) {
  const int kScopes = 1500;
  Fill(kScopes);
  auto gate = Open(BaseOptions());  // healthy at open
  ASSERT_NE(gate, nullptr);
  CorruptMiddlePage();
  {
    // Another process commits, so this gate's connections drop their cached pages and
    // read the damaged one from the file.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(QuotaDb().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = value + 1 WHERE name = 'clock_hwm'", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  int data_loss_at = -1;
  for (int i = 0; i < kScopes; ++i) {
    auto r = gate->limiter().TryAcquire(Req({"key:" + std::to_string(100000 + i)}, {{"requests", 1}}));
    if (r.ok()) {
      ASSERT_EQ(data_loss_at, -1) << "granted after corruption was found";
      continue;
    }
    ASSERT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
    EXPECT_TRUE(Contains(r.status().message(), QuotaDb())) << r.status().message();
    if (data_loss_at < 0) data_loss_at = i;
  }
  ASSERT_GE(data_loss_at, 0) << "the damaged page was never read";
  // From then on every call fails, for healthy scopes too: this process never grants again.
  auto first = gate->limiter().TryAcquire(Req({"key:100000"}, {{"requests", 1}}));
  EXPECT_EQ(first.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(gate->limiter().Usage().status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(gate->limiter().SetLimits(Specs("rpm=5")).code(), StatusCode::kDataLoss);
  EXPECT_EQ(gate->limiter().Acquire(Req({"key:100001"}, {{"requests", 1}})).status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(log_.Contains("is corrupt")) << log_.All();
  gate.reset();

  // Other processes refuse it at open; the file stays where it is.
  Status s = OpenStatus(BaseOptions());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(std::filesystem::exists(QuotaDb()));
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(std::string(e.path().filename()).find("corrupt"), std::string::npos);
  }
}

// Schema version 3 added scopes.charged (each limit's count of units charged). A file of
// version 2 keeps what was spent and gains the column.
TEST_F(LimiterFaultTest, AQuotaDbOfVersion2KeepsItsUsage) {
  {
    auto gate = Open(BaseOptions("tpd=1000"));
    ASSERT_NE(gate, nullptr);
    auto r = gate->limiter().TryAcquire({{}, {{"tokens", 300}}});
    ASSERT_TRUE(r.ok() && r->granted()) << r.status().ToString();
  }
  auto exec = [this](const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(QuotaDb().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  };
  exec("ALTER TABLE scopes DROP COLUMN charged; PRAGMA user_version=2");

  auto gate = Open(BaseOptions("tpd=1000"));
  ASSERT_NE(gate, nullptr);
  auto usage = gate->limiter().Usage("global");
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ((*usage)[0].used, 300);
  auto r = gate->limiter().TryAcquire({{}, {{"tokens", 200}}});
  ASSERT_TRUE(r.ok() && r->granted()) << r.status().ToString();
  ASSERT_EQ(r->reservation->marks.size(), 1u);
  EXPECT_EQ(r->reservation->marks[0].charged, 200);  // the count starts with the migration
  EXPECT_EQ(gate->limiter().Usage("global")->at(0).used, 500);
}

TEST_F(LimiterFaultTest, ADamagedCountOfUnitsChargedIsDataLoss) {
  {
    auto gate = Open(BaseOptions("tpm=1000"));
    ASSERT_NE(gate, nullptr);
    ASSERT_TRUE(gate->limiter().TryAcquire({{}, {{"tokens", 300}}}).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(QuotaDb().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE scopes SET charged = x'0102'", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  // Opening stores the configured limit into that scope, so it is refused there.
  Status s = OpenStatus(BaseOptions("tpm=1000"));
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "the states of scope 'global' are damaged")) << s.message();
}

}  // namespace
}  // namespace llmgate
