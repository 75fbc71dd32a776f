// The C API's common part: errors, memory, versions, opening and closing a gate, stats.
// Cache, limiter, options, calls and the key pool each have their own c_*.cc.
#include "llmgate/c.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "c_internal.h"
#include "c_json.h"
#include "llmgate/version.h"

namespace llmgate::c_api {

void SaveError(char** errptr, const Status& status) {
  if (errptr == nullptr) return;  // the caller chose not to hear about errors
  std::free(*errptr);
  *errptr = CopyOut(status.ToString(), nullptr);
}

char* CopyOut(std::string_view text, size_t* len) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  if (len != nullptr) *len = text.size();
  return out;
}

const CallOptions& CallOptionsOf(const llmgate_calloptions_t* options) {
  static const CallOptions kDefaults;
  return options ? options->rep : kDefaults;
}

std::vector<Cost> CostsOf(const char* const* dimensions, const int64_t* amounts, size_t n) {
  std::vector<Cost> costs;
  costs.reserve(n);
  for (size_t i = 0; i < n; ++i) costs.push_back({std::string(View(dimensions[i])), amounts[i]});
  return costs;
}

}  // namespace llmgate::c_api

using llmgate::c_api::CopyOut;
using llmgate::c_api::Guarded;
using llmgate::c_api::SaveError;

// The C enum mirrors StatusCode number for number, so codes convert by a cast.
static_assert(LLMGATE_OK == static_cast<int>(llmgate::StatusCode::kOk));
static_assert(LLMGATE_CANCELLED == static_cast<int>(llmgate::StatusCode::kCancelled));
static_assert(LLMGATE_INVALID_ARGUMENT == static_cast<int>(llmgate::StatusCode::kInvalidArgument));
static_assert(LLMGATE_NOT_FOUND == static_cast<int>(llmgate::StatusCode::kNotFound));
static_assert(LLMGATE_RESOURCE_EXHAUSTED == static_cast<int>(llmgate::StatusCode::kResourceExhausted));
static_assert(LLMGATE_QUOTA_EXHAUSTED == static_cast<int>(llmgate::StatusCode::kQuotaExhausted));
static_assert(LLMGATE_REQUEST_TOO_LARGE == static_cast<int>(llmgate::StatusCode::kRequestTooLarge));
static_assert(LLMGATE_FAILED_PRECONDITION == static_cast<int>(llmgate::StatusCode::kFailedPrecondition));
static_assert(LLMGATE_UNAUTHENTICATED == static_cast<int>(llmgate::StatusCode::kUnauthenticated));
static_assert(LLMGATE_PERMISSION_DENIED == static_cast<int>(llmgate::StatusCode::kPermissionDenied));
static_assert(LLMGATE_UNAVAILABLE == static_cast<int>(llmgate::StatusCode::kUnavailable));
static_assert(LLMGATE_DEADLINE_EXCEEDED == static_cast<int>(llmgate::StatusCode::kDeadlineExceeded));
static_assert(LLMGATE_DATA_LOSS == static_cast<int>(llmgate::StatusCode::kDataLoss));
static_assert(LLMGATE_INTERNAL == static_cast<int>(llmgate::StatusCode::kInternal));
static_assert(LLMGATE_LOG_DEBUG == static_cast<int>(llmgate::LogLevel::kDebug));
static_assert(LLMGATE_LOG_ERROR == static_cast<int>(llmgate::LogLevel::kError));

extern "C" {

const char* llmgate_code_name(llmgate_code_t code) {
  // StatusCodeName's views point at string literals, so they are NUL-terminated.
  return llmgate::StatusCodeName(static_cast<llmgate::StatusCode>(code)).data();
}

llmgate_code_t llmgate_error_code(const char* err) {
  if (err == nullptr) return LLMGATE_OK;
  const char* colon = std::strchr(err, ':');
  if (colon == nullptr) return LLMGATE_INTERNAL;
  const std::string_view name(err, static_cast<size_t>(colon - err));
  for (int c = LLMGATE_CANCELLED; c <= LLMGATE_INTERNAL; ++c) {
    if (name == llmgate::StatusCodeName(static_cast<llmgate::StatusCode>(c))) return static_cast<llmgate_code_t>(c);
  }
  return LLMGATE_INTERNAL;
}

int64_t llmgate_error_retry_after_ms(const char* err) {
  if (err == nullptr) return -1;
  // Status::ToString appends " (retry after N ms)" after the message, so the last
  // occurrence is the library's, whatever the server's message says.
  static constexpr std::string_view kMarker = " (retry after ";
  const std::string_view text(err);
  const size_t at = text.rfind(kMarker);
  if (at == std::string_view::npos) return -1;
  char* end = nullptr;
  const long long ms = std::strtoll(err + at + kMarker.size(), &end, 10);
  if (end == err + at + kMarker.size() || std::strncmp(end, " ms)", 4) != 0) return -1;
  return ms;
}

void llmgate_free(void* ptr) { std::free(ptr); }

int llmgate_major_version(void) { return LLMGATE_VERSION_MAJOR; }
int llmgate_minor_version(void) { return LLMGATE_VERSION_MINOR; }

llmgate_t* llmgate_open(const llmgate_options_t* options, char** errptr) {
  return Guarded<llmgate_t*>(errptr, nullptr, [&]() -> llmgate_t* {
    const llmgate::Options defaults;
    auto gate = llmgate::Gate::Open(options ? options->rep : defaults);
    if (!gate.ok()) {
      SaveError(errptr, gate.status());
      return nullptr;
    }
    return new llmgate_t{std::move(gate).value()};
  });
}

void llmgate_close(llmgate_t* gate) { delete gate; }

const char* llmgate_state_dir(const llmgate_t* gate) { return gate->rep->state_dir().c_str(); }

char* llmgate_stats(llmgate_t* gate, size_t* len, char** errptr) {
  return Guarded<char*>(errptr, nullptr, [&]() -> char* {
    auto cache = gate->rep->cache().Stats();
    if (!cache.ok()) {
      SaveError(errptr, cache.status());
      return nullptr;
    }
    auto shared = gate->rep->client().SharedStats();
    if (!shared.ok()) {
      SaveError(errptr, shared.status());
      return nullptr;
    }
    auto keys = gate->rep->keys().List();
    if (!keys.ok()) {
      SaveError(errptr, keys.status());
      return nullptr;
    }
    std::string json = llmgate::c_api::JsonObject()
                           .Raw("client", llmgate::c_api::ClientStatsJson(gate->rep->client().Stats()))
                           .Raw("shared", llmgate::c_api::SharedClientStatsJson(*shared))
                           .Raw("cache", llmgate::c_api::CacheStatsJson(*cache))
                           .Raw("keys", llmgate::c_api::KeyListJson(*keys))
                           .Finish();
    return CopyOut(json, len);
  });
}

}  // extern "C"
