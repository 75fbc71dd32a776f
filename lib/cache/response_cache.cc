#include "cache/response_cache.h"

#include <utility>

#include "cache/response_usage.h"

namespace llmgate::internal {
namespace {

// Past this many distinct pending entries (a cache that cannot write for a long time),
// further access times are dropped rather than held: they only steer eviction.
constexpr size_t kMaxPendingAccesses = 100'000;

// Past this many entries the record of what this process recorded starts over; the cost is
// one extra access write per entry hit again.
constexpr size_t kMaxRecordedAt = 262'144;

}  // namespace

ResponseCache::ResponseCache(ResponseCacheConfig config, std::unique_ptr<CacheBackend> backend)
    : config_(std::move(config)), backend_(std::move(backend)), recorded_at_(kMaxRecordedAt) {
  if (!config_.clock) config_.clock = SystemClock();
  if (!config_.flights_dir.empty()) {
    flights_ = std::make_unique<SingleFlight>(config_.flights_dir, config_.flights_dir_mode, config_.flights_file_mode);
  }
  last_flush_us_ = config_.clock->NowMicros();
}

ResponseCache::~ResponseCache() { Flush(); }

std::string_view ResponseCache::NamespaceFor(const CacheControl& control) const {
  return control.cache_namespace.empty() ? std::string_view(config_.default_namespace)
                                         : std::string_view(control.cache_namespace);
}

Result<std::string*> ResponseCache::CanonicalFor(std::string_view path, std::string_view request_json,
                                                 const CacheControl& control) {
  thread_local std::string canonical;
  Status s = Canonicalize(NamespaceFor(control), path, request_json, config_.canonical, &canonical);
  if (!s.ok()) return s;
  return &canonical;
}

Result<std::optional<std::string>> ResponseCache::Get(std::string_view path, std::string_view request_json,
                                                      const CacheControl& control) {
  return Lookup(path, request_json, control, /*count_miss=*/true, nullptr);
}

Result<std::optional<std::string>> ResponseCache::GetOrJoinFlight(std::string_view path,
                                                                  std::string_view request_json,
                                                                  const CacheControl& control, Flight* flight) {
  return Lookup(path, request_json, control, /*count_miss=*/true, flight);
}

Result<std::optional<std::string>> ResponseCache::GetAgain(std::string_view path, std::string_view request_json,
                                                           const CacheControl& control) {
  return Lookup(path, request_json, control, /*count_miss=*/false, nullptr);
}

Result<std::optional<std::string>> ResponseCache::Lookup(std::string_view path, std::string_view request_json,
                                                         const CacheControl& control, bool count_miss, Flight* flight) {
  if (!config_.enabled || control.skip_read) return std::optional<std::string>();
  Result<std::string*> canonical = CanonicalFor(path, request_json, control);
  if (!canonical.ok()) return canonical.status();
  const std::string& request = **canonical;
  const Hash128 key = config_.hasher(request);
  recorded_at_.Prefetch(key.low);  // read by NoteHit, after the lookup
  std::optional<std::string> found = Find(key, request, count_miss);
  if (found || flight == nullptr || !flights_) return found;
  Result<Flight> joined = flights_->Join(key);
  if (!joined.ok()) {
    NoteFailure(joined.status(), "single-flight");  // the call goes on without a flight
    return found;
  }
  *flight = std::move(joined).value();
  // Leading: an identical call may have stored its answer and ended its flight between
  // the lookup and the join. Looking again is not another miss.
  if (flight->leading()) {
    found = Find(key, request, /*count_miss=*/false);
    if (found) flight->End();
  }
  return found;
}

std::optional<std::string> ResponseCache::Find(const Hash128& key, const std::string& request, bool count_miss) {
  int64_t now = config_.clock->NowMicros();
  Result<std::optional<StoredResponse>> found = backend_->Lookup(key, request, now);
  if (!found.ok()) {
    NoteFailure(found.status(), "lookup");
    if (count_miss) NoteMiss(now);
    return std::optional<std::string>();
  }
  if (!found->has_value()) {
    if (count_miss) NoteMiss(now);
    return std::optional<std::string>();
  }
  NoteHit(key, **found, now);
  return std::optional<std::string>(std::move((*found)->response));
}

Status ResponseCache::Put(std::string_view path, std::string_view request_json, std::string_view response_json,
                          const CacheControl& control) {
  if (!config_.enabled || control.skip_write) return Status::Ok();
  Result<ResponseInfo> info = InspectResponse(response_json);
  if (!info.ok()) return info.status();
  if (info->is_error) return InvalidArgumentError("error responses are not cached");
  Result<std::string*> canonical = CanonicalFor(path, request_json, control);
  if (!canonical.ok()) return canonical.status();
  const std::string& request = **canonical;

  int64_t bytes = static_cast<int64_t>(request.size() + response_json.size());
  if (config_.max_bytes > 0 && bytes > config_.max_bytes) {
    if (config_.logger) config_.logger->Debug("response of ", bytes, " bytes exceeds the cache cap; not stored");
    return Status::Ok();
  }
  int64_t now = config_.clock->NowMicros();
  int64_t ttl_us = control.ttl ? control.ttl->count() * 1'000'000 : config_.default_ttl_us;

  NewEntry entry;
  entry.key = config_.hasher(request);
  entry.cache_namespace = NamespaceFor(control);
  entry.canonical_request = request;
  entry.response = response_json;
  entry.total_tokens = info->total_tokens;
  entry.expires_at_us = ttl_us > 0 ? now + ttl_us : 0;
  Status s = backend_->Store(entry, now, config_.max_bytes);
  if (!s.ok()) {
    NoteFailure(s, "store");
    return s;
  }
  std::lock_guard<std::mutex> lock(pending_mu_);
  NoteRecordedLocked(entry.key.low, now);  // a store records the access time itself
  return s;
}

Status ResponseCache::Invalidate(std::string_view path, std::string_view request_json,
                                 const CacheControl& control) {
  Result<std::string*> canonical = CanonicalFor(path, request_json, control);
  if (!canonical.ok()) return canonical.status();
  Status s = backend_->Remove(config_.hasher(**canonical), **canonical);
  if (!s.ok()) NoteFailure(s, "invalidate");
  return s;
}

Result<int64_t> ResponseCache::Purge(std::optional<std::string_view> cache_namespace) {
  Result<int64_t> r = backend_->Purge(cache_namespace);
  if (!r.ok()) NoteFailure(r.status(), "purge");
  return r;
}

Result<int64_t> ResponseCache::RemoveExpired() {
  Result<int64_t> r = backend_->RemoveExpired(config_.clock->NowMicros());
  if (!r.ok()) NoteFailure(r.status(), "expiry");
  return r;
}

Result<CacheStats> ResponseCache::Stats() {
  Result<CacheStats> stats = backend_->ReadStats();
  if (!stats.ok()) return stats;
  std::lock_guard<std::mutex> lock(pending_mu_);
  stats->hits += pending_.hits;
  stats->misses += pending_.misses;
  stats->tokens_saved += pending_.tokens_saved;
  stats->errors += pending_.errors;
  return stats;
}

void ResponseCache::NoteHit(const Hash128& key, const StoredResponse& stored, int64_t now_us) {
  // An access time only steers eviction, so each process records it at most once per
  // granularity: a hot entry then costs no write at all. Each entry waits a little longer,
  // by up to a quarter of the granularity (the same for the entry every time, from its
  // key): entries recorded together, say by a first pass over the cache, then come due
  // over a quarter of the granularity instead of all in the same second.
  const int64_t due_after =
      config_.access_granularity_us + static_cast<int64_t>((key.high & 0xFF) * (config_.access_granularity_us / 4) / 256);
  bool due;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    ++pending_.hits;
    pending_.tokens_saved += stored.total_tokens;
    int64_t recorded_at_us;
    if (!recorded_at_.Find(key.low, &recorded_at_us) || now_us - recorded_at_us >= due_after) {
      RecordAccessLocked(key, now_us);
    }
    due = pending_accesses_.size() >= static_cast<size_t>(config_.flush_batch) ||
          now_us - last_flush_us_ >= config_.flush_interval_us;
  }
  if (due) Flush();
}

void ResponseCache::NoteRecordedLocked(uint64_t id, int64_t now_us) {
  recorded_at_.Set(id, now_us);
}

void ResponseCache::RecordAccessLocked(const Hash128& key, int64_t now_us) {
  NoteRecordedLocked(key.low, now_us);
  auto [it, inserted] = pending_accesses_.try_emplace(key.low);
  if (inserted && pending_accesses_.size() > kMaxPendingAccesses) {
    pending_accesses_.erase(it);
    return;
  }
  it->second.key = key;
  it->second.last_access_us = now_us;
}

void ResponseCache::NoteMiss(int64_t now_us) {
  bool due;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    ++pending_.misses;
    due = now_us - last_flush_us_ >= config_.flush_interval_us;
  }
  if (due) Flush();
}

void ResponseCache::NoteFailure(const Status& status, const char* what) {
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    ++pending_.errors;
  }
  if (!config_.logger) return;
  // A failing disk fails every operation: say it at most once a second.
  int64_t now = config_.clock->NowMicros();
  int64_t last = last_failure_log_us_.load();
  if (status.code() == StatusCode::kDataLoss ||
      (now - last >= 1'000'000 && last_failure_log_us_.compare_exchange_strong(last, now))) {
    config_.logger->Warn("cache ", what, " failed and was bypassed: ", status.ToString());
  }
}

Status ResponseCache::Flush() {
  std::unique_lock<std::mutex> flushing(flush_mu_, std::try_to_lock);
  if (!flushing.owns_lock()) return Status::Ok();  // another thread is flushing right now
  std::vector<AccessRecord> accesses;
  CounterDeltas deltas;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    last_flush_us_ = config_.clock->NowMicros();
    if (pending_accesses_.empty() && pending_.empty()) return Status::Ok();
    accesses.reserve(pending_accesses_.size());
    for (auto& [low, record] : pending_accesses_) accesses.push_back(record);
    pending_accesses_.clear();
    deltas = std::exchange(pending_, CounterDeltas{});
  }
  Status s = backend_->RecordBatch(accesses, deltas);
  if (!s.ok()) {
    // Keep the counters for the next flush; they are part of the shared stats.
    std::lock_guard<std::mutex> lock(pending_mu_);
    pending_.Add(deltas);
    ++pending_.errors;
    for (const AccessRecord& a : accesses) {
      if (pending_accesses_.size() >= kMaxPendingAccesses) break;
      pending_accesses_.try_emplace(a.key.low, a);
    }
  }
  return s;
}

}  // namespace llmgate::internal
