#include "llmgate/gate.h"

#include <memory>

#include "cache/response_cache.h"
#include "cache/sqlite_cache_backend.h"
#include "store/db_config.h"
#include "store/state_dir.h"
#include "util/logger.h"

namespace llmgate {
namespace internal {
namespace {

// SQLite maps this much of cache.db into memory: reads then copy from the page cache of
// the kernel instead of issuing read() calls, which halves the cost of a hit.
constexpr int64_t kCacheMmapBytes = int64_t{256} << 20;

class GateImpl final : public Gate {
 public:
  static Result<std::unique_ptr<Gate>> Open(const Options& options) {
    std::unique_ptr<GateImpl> gate(new GateImpl(options));
    if (Status s = gate->Init(); !s.ok()) return s;
    return std::unique_ptr<Gate>(std::move(gate));
  }

  const std::string& state_dir() const override { return state_dir_; }
  Cache& cache() override { return *cache_; }

 private:
  explicit GateImpl(const Options& options)
      : options_(options), logger_(options.log_sink, options.log_level) {
    if (!options_.clock) options_.clock = SystemClock();
  }

  Status Init() {
    Result<std::string> dir = ResolveStateDir(options_.state_dir);
    if (!dir.ok()) return dir.status();
    state_dir_ = *dir;
    if (Status s = EnsureDirectory(state_dir_, options_.share_with_group ? 0770 : 0700); !s.ok()) return s;
    if (Status s = CheckLocalFilesystem(state_dir_); !s.ok()) return s;
    return OpenCache();
  }

  Status OpenCache() {
    DbConfig config = DbConfigFromOptions(options_, state_dir_ + "/cache.db", &logger_);
    config.mmap_bytes = kCacheMmapBytes;
    Result<std::unique_ptr<SqliteCacheBackend>> backend = SqliteCacheBackend::Open(config);
    if (!backend.ok()) return backend.status();

    ResponseCacheConfig rc;
    rc.enabled = options_.cache_enabled;
    rc.default_namespace = options_.cache_namespace.empty() ? options_.base_url : options_.cache_namespace;
    rc.max_bytes = options_.cache_max_bytes;
    rc.default_ttl_us = options_.cache_default_ttl.count() * 1'000'000;
    rc.canonical.normalize_whitespace = options_.cache_normalize_whitespace;
    rc.flush_interval_us = options_.cache_flush_interval.count() * 1000;
    rc.access_granularity_us = options_.cache_access_granularity.count() * 1'000'000;
    rc.flush_batch = options_.cache_flush_batch > 0 ? options_.cache_flush_batch : 1;
    rc.logger = &logger_;
    rc.clock = options_.clock;
    cache_ = std::make_unique<ResponseCache>(std::move(rc), std::move(backend).value());
    return Status::Ok();
  }

  Options options_;
  Logger logger_;
  std::string state_dir_;
  std::unique_ptr<ResponseCache> cache_;
};

}  // namespace
}  // namespace internal

Gate::~Gate() = default;

Result<std::unique_ptr<Gate>> Gate::Open(const Options& options) { return internal::GateImpl::Open(options); }

}  // namespace llmgate
