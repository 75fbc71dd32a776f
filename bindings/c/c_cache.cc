// llmgate_cache_*: the response cache. Call options supply the cache controls.
#include <optional>
#include <string>

#include "c_internal.h"
#include "c_json.h"

using llmgate::c_api::CallOptionsOf;
using llmgate::c_api::CopyOut;
using llmgate::c_api::Guarded;
using llmgate::c_api::GuardedVoid;
using llmgate::c_api::SaveError;
using llmgate::c_api::View;

extern "C" {

char* llmgate_cache_get(llmgate_t* gate, const char* path, const char* request, size_t request_len,
                        const llmgate_calloptions_t* options, size_t* value_len, char** errptr) {
  return Guarded<char*>(errptr, nullptr, [&]() -> char* {
    auto hit = gate->rep->cache().Get(View(path), View(request, request_len), CallOptionsOf(options).cache);
    if (!hit.ok()) {
      SaveError(errptr, hit.status());
      return nullptr;
    }
    if (!hit->has_value()) return nullptr;
    return CopyOut(**hit, value_len);
  });
}

void llmgate_cache_put(llmgate_t* gate, const char* path, const char* request, size_t request_len,
                       const char* response, size_t response_len, const llmgate_calloptions_t* options,
                       char** errptr) {
  GuardedVoid(errptr, [&] {
    llmgate::Status s = gate->rep->cache().Put(View(path), View(request, request_len),
                                               View(response, response_len), CallOptionsOf(options).cache);
    if (!s.ok()) SaveError(errptr, s);
  });
}

void llmgate_cache_invalidate(llmgate_t* gate, const char* path, const char* request, size_t request_len,
                              const llmgate_calloptions_t* options, char** errptr) {
  GuardedVoid(errptr, [&] {
    llmgate::Status s =
        gate->rep->cache().Invalidate(View(path), View(request, request_len), CallOptionsOf(options).cache);
    if (!s.ok()) SaveError(errptr, s);
  });
}

int64_t llmgate_cache_purge(llmgate_t* gate, const char* cache_namespace, char** errptr) {
  return Guarded<int64_t>(errptr, 0, [&]() -> int64_t {
    std::optional<std::string_view> ns;
    if (cache_namespace != nullptr) ns = cache_namespace;
    auto n = gate->rep->cache().Purge(ns);
    if (!n.ok()) {
      SaveError(errptr, n.status());
      return 0;
    }
    return *n;
  });
}

int64_t llmgate_cache_remove_expired(llmgate_t* gate, char** errptr) {
  return Guarded<int64_t>(errptr, 0, [&]() -> int64_t {
    auto n = gate->rep->cache().RemoveExpired();
    if (!n.ok()) {
      SaveError(errptr, n.status());
      return 0;
    }
    return *n;
  });
}

void llmgate_cache_flush(llmgate_t* gate, char** errptr) {
  GuardedVoid(errptr, [&] {
    llmgate::Status s = gate->rep->cache().Flush();
    if (!s.ok()) SaveError(errptr, s);
  });
}

char* llmgate_cache_stats(llmgate_t* gate, size_t* len, char** errptr) {
  return Guarded<char*>(errptr, nullptr, [&]() -> char* {
    auto stats = gate->rep->cache().Stats();
    if (!stats.ok()) {
      SaveError(errptr, stats.status());
      return nullptr;
    }
    return CopyOut(llmgate::c_api::CacheStatsJson(*stats), len);
  });
}

}  // extern "C"
