#include "llmgate/gate.h"

#include <memory>
#include <utility>
#include <vector>

#include "cache/response_cache.h"
#include "client/client_settings.h"
#include "client/gate_client.h"
#include "http/curl_transport.h"
#include "gate_internal.h"
#include "keys/key_groups.h"
#include "keys/key_pool.h"
#include "keys/key_sources.h"
#include "keys/key_store.h"
#include "cache/sqlite_cache_backend.h"
#include "limit/gate_limiter.h"
#include "limit/limit_sources.h"
#include "limit/sqlite_quota_backend.h"
#include "store/db_config.h"
#include "store/state_dir.h"
#include "util/logger.h"

namespace llmgate {
namespace internal {
namespace {

// SQLite maps up to this much of cache.db into memory (address space, not RAM): reads then
// come straight from the kernel's page cache instead of read() calls, which halves the
// cost of a hit. Larger than the default size cap so that the whole file is mapped.
constexpr int64_t kCacheMmapBytes = int64_t{2} << 30;
// An entry (canonical request + response) is typically 2-4 KiB: with SQLite's 4 KiB pages
// most of them take a page each and waste the rest; 8 KiB pages pack two or three.
constexpr int kCachePageSize = 8192;

class GateImpl final : public Gate {
 public:
  static Result<std::unique_ptr<Gate>> Open(const Options& options, std::unique_ptr<HttpTransport> transport) {
    std::unique_ptr<GateImpl> gate(new GateImpl(options));
    gate->injected_transport_ = std::move(transport);
    if (Status s = gate->Init(); !s.ok()) return s;
    return std::unique_ptr<Gate>(std::move(gate));
  }

  const std::string& state_dir() const override { return state_dir_; }
  Cache& cache() override { return *cache_; }
  Limiter& limiter() override { return *limiter_; }
  Client& client() override { return *client_; }
  KeyPool& keys() override { return *key_pool_; }

 private:
  explicit GateImpl(const Options& options)
      : options_(options), logger_(options.log_sink, options.log_level) {
    if (!options_.clock) options_.clock = SystemClock();
  }

  // Of the directories the gate creates (file modes: DbConfig::file_mode).
  mode_t DirectoryMode() const { return options_.share_with_group ? 0770 : 0700; }

  Status Init() {
    Result<std::string> dir = ResolveStateDir(options_.state_dir);
    if (!dir.ok()) return dir.status();
    state_dir_ = *dir;
    if (Status s = EnsureDirectory(state_dir_, DirectoryMode()); !s.ok()) return s;
    if (Status s = CheckLocalFilesystem(state_dir_); !s.ok()) return s;
    // Configuration errors first: a typo in LLMGATE_LIMITS should not wait for the files.
    Result<std::vector<LimitDef>> limits = CollectConfiguredLimits(options_, logger_);
    if (!limits.ok()) return limits.status();
    Result<ClientSettings> settings = ResolveClientSettings(options_);
    if (!settings.ok()) return settings.status();
    Result<std::vector<ApiKeySpec>> keys = CollectKeys(options_, logger_);
    if (!keys.ok()) return keys.status();
    if (Status s = OpenCache(settings->base_url); !s.ok()) return s;
    if (Status s = OpenLimiter(std::move(limits).value()); !s.ok()) return s;
    if (Status s = OpenKeyPool(*settings, *keys); !s.ok()) return s;
    return OpenClient(std::move(settings).value());
  }

  Status OpenKeyPool(const ClientSettings& settings, const std::vector<ApiKeySpec>& keys) {
    // The key store shares quota.db, which the limiter has just brought to the latest schema.
    KeyRules rules;
    rules.failure_threshold = options_.key_failure_threshold;
    rules.failure_cooldown_micros = options_.key_failure_cooldown.count() * 1000;
    key_store_ = std::make_unique<KeyStore>(quota_connections_, rules);
    key_groups_ = std::make_unique<KeyGroups>(key_store_.get(), options_.clock, &logger_);
    KeyPoolConfig pc;
    pc.policy = options_.key_policy;
    pc.max_in_flight = options_.key_max_in_flight;
    pc.default_scope = options_.default_scope;
    pc.organization = settings.organization;
    pc.project = settings.project;
    pc.on_wait = CountingWaitCallback();
    pc.clock = options_.clock;
    pc.logger = &logger_;
    key_pool_ = std::make_unique<GateKeyPool>(std::move(pc), key_store_.get(), key_groups_.get(), limiter_.get());
    return key_pool_->Init(keys);
  }

  // Options::on_wait, after adding the wait to the counters every process shares.
  WaitCallback CountingWaitCallback() {
    KeyStore* store = key_store_.get();
    WaitCallback user = options_.on_wait;
    const Logger* logger = &logger_;
    return [store, user, logger](const WaitEvent& e) {
      if (Status s = store->AddCounters({{"waits", 1}, {"wait_millis", e.wait.count()}}); !s.ok())
        logger->Warn("could not count a wait: ", s.ToString());
      if (user) user(e);
    };
  }

  Status OpenClient(ClientSettings settings) {
    Result<std::unique_ptr<HttpTransport>> transport = std::move(injected_transport_);
    if (!*transport) {
      CurlTransportConfig tc;
      tc.verify_tls = settings.verify_tls;
      tc.ca_file = settings.ca_file;
      transport = MakeCurlTransport(tc);
      if (!transport.ok()) return transport.status();
    }
    PipelineDeps deps;
    deps.pool = key_pool_.get();
    deps.groups = key_groups_.get();
    auto learner = std::make_unique<RateLearner>(limiter_.get(), &logger_, options_.learn_limits);
    deps.settings = std::move(settings);
    deps.cache = cache_.get();
    deps.limiter = limiter_.get();
    deps.logger = &logger_;
    deps.clock = options_.clock;
    deps.default_scope = options_.default_scope;
    deps.estimate.tokenizer = options_.tokenizer.get();
    deps.estimate.default_completion_tokens = options_.default_completion_tokens;
    deps.on_retry = options_.on_retry;
    deps.on_wait = CountingWaitCallback();
    deps.key_store = key_store_.get();
    client_ = std::make_unique<GateClient>(std::move(deps), std::move(transport).value(), std::move(learner));
    return Status::Ok();
  }

  Status OpenLimiter(std::vector<LimitDef> configured) {
    // No mmap: quota.db is small and every acquire writes, so reads come from the page
    // cache of the connection anyway.
    DbConfig config = DbConfigFromOptions(options_, state_dir_ + "/quota.db", &logger_);
    Result<std::unique_ptr<SqliteQuotaBackend>> backend = SqliteQuotaBackend::Open(config, options_.clock);
    if (!backend.ok()) return backend.status();
    quota_connections_ = (*backend)->pool();

    GateLimiterConfig lc;
    lc.default_scope = options_.default_scope;
    lc.on_wait = options_.on_wait;
    lc.logger = &logger_;
    lc.clock = options_.clock;
    limiter_ = std::make_unique<GateLimiter>(std::move(lc), std::move(backend).value());
    return limiter_->Configure(std::move(configured));
  }

  Status OpenCache(const std::string& base_url) {
    DbConfig config = DbConfigFromOptions(options_, state_dir_ + "/cache.db", &logger_);
    config.mmap_bytes = kCacheMmapBytes;
    config.page_size = kCachePageSize;
    Result<std::unique_ptr<SqliteCacheBackend>> backend = SqliteCacheBackend::Open(config);
    if (!backend.ok()) return backend.status();

    ResponseCacheConfig rc;
    rc.enabled = options_.cache_enabled;
    rc.default_namespace = options_.cache_namespace.empty() ? base_url : options_.cache_namespace;
    rc.max_bytes = options_.cache_max_bytes;
    rc.default_ttl_us = options_.cache_default_ttl.count() * 1'000'000;
    rc.canonical.normalize_whitespace = options_.cache_normalize_whitespace;
    rc.flush_interval_us = options_.cache_flush_interval.count() * 1000;
    rc.access_granularity_us = options_.cache_access_granularity.count() * 1'000'000;
    rc.flush_batch = options_.cache_flush_batch > 0 ? options_.cache_flush_batch : 1;
    rc.logger = &logger_;
    rc.clock = options_.clock;
    if (options_.cache_single_flight) {
      rc.flights_dir = state_dir_ + "/flights";
      rc.flights_dir_mode = DirectoryMode();
      rc.flights_file_mode = config.file_mode;
    }
    cache_ = std::make_unique<ResponseCache>(std::move(rc), std::move(backend).value());
    return Status::Ok();
  }

  Options options_;
  Logger logger_;
  std::string state_dir_;
  std::unique_ptr<ResponseCache> cache_;
  // quota.db's connections, shared by the limiter and the key store.
  std::shared_ptr<ConnectionPool> quota_connections_;
  std::unique_ptr<GateLimiter> limiter_;
  std::unique_ptr<HttpTransport> injected_transport_;  // tests only; consumed by OpenClient
  std::unique_ptr<KeyStore> key_store_;
  std::unique_ptr<KeyGroups> key_groups_;
  std::unique_ptr<GateKeyPool> key_pool_;
  std::unique_ptr<GateClient> client_;  // declared last: it uses everything above
};

}  // namespace

Result<std::unique_ptr<Gate>> OpenGateWithTransport(const Options& options, std::unique_ptr<HttpTransport> transport) {
  return GateImpl::Open(options, std::move(transport));
}

}  // namespace internal

Gate::~Gate() = default;

Result<std::unique_ptr<Gate>> Gate::Open(const Options& options) { return internal::GateImpl::Open(options, nullptr); }

}  // namespace llmgate
