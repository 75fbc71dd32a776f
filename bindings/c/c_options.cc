// llmgate_options_t: setters over llmgate::Options, and C callbacks wrapped as the
// std::function sinks Options expects.
#include <chrono>
#include <string>

#include "c_internal.h"

using llmgate::c_api::SaveError;
using llmgate::c_api::View;
using std::chrono::milliseconds;
using std::chrono::seconds;

extern "C" {

llmgate_options_t* llmgate_options_create(void) { return new llmgate_options_t; }
void llmgate_options_destroy(llmgate_options_t* options) { delete options; }

void llmgate_options_set_state_dir(llmgate_options_t* o, const char* v) { o->rep.state_dir = View(v); }
void llmgate_options_set_base_url(llmgate_options_t* o, const char* v) { o->rep.base_url = View(v); }
void llmgate_options_set_api_key(llmgate_options_t* o, const char* v) { o->rep.api_key = View(v); }
void llmgate_options_set_organization(llmgate_options_t* o, const char* v) { o->rep.organization = View(v); }
void llmgate_options_set_project(llmgate_options_t* o, const char* v) { o->rep.project = View(v); }
void llmgate_options_set_ca_file(llmgate_options_t* o, const char* v) { o->rep.ca_file = View(v); }
void llmgate_options_set_cache_namespace(llmgate_options_t* o, const char* v) { o->rep.cache_namespace = View(v); }
void llmgate_options_set_limits_file(llmgate_options_t* o, const char* v) { o->rep.limits_file = View(v); }

void llmgate_options_set_default_scope(llmgate_options_t* o, const char* v) {
  o->rep.default_scope = (v && *v) ? v : llmgate::Options().default_scope;
}

void llmgate_options_set_limits(llmgate_options_t* o, const char* specs, char** errptr) {
  llmgate::c_api::GuardedVoid(errptr, [&] {
    auto limits = llmgate::ParseLimits(View(specs));
    if (!limits.ok()) return SaveError(errptr, limits.status());
    o->rep.limits = std::move(limits).value();
  });
}

void llmgate_options_set_limits_from_env(llmgate_options_t* o, unsigned char v) { o->rep.limits_from_env = v; }
void llmgate_options_set_share_with_group(llmgate_options_t* o, unsigned char v) { o->rep.share_with_group = v; }
void llmgate_options_set_sync_full(llmgate_options_t* o, unsigned char v) {
  o->rep.sync = v ? llmgate::SyncMode::kFull : llmgate::SyncMode::kNormal;
}
void llmgate_options_set_busy_timeout_ms(llmgate_options_t* o, int64_t ms) { o->rep.busy_timeout = milliseconds(ms); }
void llmgate_options_set_cache_enabled(llmgate_options_t* o, unsigned char v) { o->rep.cache_enabled = v; }
void llmgate_options_set_cache_max_bytes(llmgate_options_t* o, int64_t v) { o->rep.cache_max_bytes = v; }
void llmgate_options_set_cache_default_ttl_s(llmgate_options_t* o, int64_t s) { o->rep.cache_default_ttl = seconds(s); }
void llmgate_options_set_cache_single_flight(llmgate_options_t* o, unsigned char v) { o->rep.cache_single_flight = v; }
void llmgate_options_set_max_attempts(llmgate_options_t* o, int v) { o->rep.max_attempts = v; }
void llmgate_options_set_connect_timeout_ms(llmgate_options_t* o, int64_t ms) {
  o->rep.connect_timeout = milliseconds(ms);
}
void llmgate_options_set_request_timeout_ms(llmgate_options_t* o, int64_t ms) {
  o->rep.request_timeout = milliseconds(ms);
}
void llmgate_options_set_call_timeout_ms(llmgate_options_t* o, int64_t ms) { o->rep.call_timeout = milliseconds(ms); }
void llmgate_options_set_verify_tls(llmgate_options_t* o, unsigned char v) { o->rep.verify_tls = v; }
void llmgate_options_set_learn_limits(llmgate_options_t* o, unsigned char v) { o->rep.learn_limits = v; }
void llmgate_options_set_default_completion_tokens(llmgate_options_t* o, int64_t v) {
  o->rep.default_completion_tokens = v;
}

void llmgate_options_set_azure(llmgate_options_t* o, const char* api_version) {
  o->rep.api_style = api_version ? llmgate::ApiStyle::kAzure : llmgate::ApiStyle::kOpenAI;
  o->rep.azure_api_version = View(api_version);
}

void llmgate_options_set_log(llmgate_options_t* o, llmgate_log_fn log, void* state, int min_level) {
  if (min_level < LLMGATE_LOG_DEBUG) min_level = LLMGATE_LOG_DEBUG;
  if (min_level > LLMGATE_LOG_ERROR) min_level = LLMGATE_LOG_ERROR;
  o->rep.log_level = static_cast<llmgate::LogLevel>(min_level);
  if (log == nullptr) {
    o->rep.log_sink = nullptr;
    return;
  }
  o->rep.log_sink = [log, state](llmgate::LogLevel level, std::string_view message) {
    // The view need not be NUL-terminated; C callers get a terminated copy.
    const std::string text(message);
    log(state, static_cast<int>(level), text.c_str(), text.size());
  };
}

void llmgate_options_set_on_wait(llmgate_options_t* o, llmgate_wait_fn on_wait, void* state) {
  if (on_wait == nullptr) {
    o->rep.on_wait = nullptr;
    return;
  }
  o->rep.on_wait = [on_wait, state](const llmgate::WaitEvent& e) {
    on_wait(state, e.scope.c_str(), e.limit_name.c_str(), static_cast<int64_t>(e.wait.count()));
  };
}

void llmgate_options_set_on_retry(llmgate_options_t* o, llmgate_retry_fn on_retry, void* state) {
  if (on_retry == nullptr) {
    o->rep.on_retry = nullptr;
    return;
  }
  o->rep.on_retry = [on_retry, state](const llmgate::RetryEvent& e) {
    on_retry(state, e.attempt, static_cast<int64_t>(e.delay.count()), e.error.ToString().c_str());
  };
}

}  // extern "C"
