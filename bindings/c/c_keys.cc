// The key pool: keys in the options, and llmgate::KeyPool on an open gate. Health comes
// out as JSON (c_json.cc), which never holds a key, only its fingerprint and label.
#include <chrono>
#include <string>
#include <utility>

#include "c_internal.h"
#include "c_json.h"

using llmgate::c_api::CopyOut;
using llmgate::c_api::Guarded;
using llmgate::c_api::GuardedVoid;
using llmgate::c_api::SaveError;
using llmgate::c_api::View;

static_assert(LLMGATE_KEY_POLICY_MOST_HEADROOM == static_cast<int>(llmgate::KeyPolicy::kMostHeadroom));
static_assert(LLMGATE_KEY_POLICY_ROUND_ROBIN == static_cast<int>(llmgate::KeyPolicy::kRoundRobin));

namespace {

// A key and what goes with it, from the C arguments every key-adding function shares.
// The limits are the key's own, so a spec naming a scope is refused (as in a key file).
llmgate::Result<llmgate::ApiKeySpec> SpecOf(const char* key, const char* label, const char* base_url,
                                            const char* organization, const char* project,
                                            const char* limits_spec) {
  llmgate::ApiKeySpec spec;
  spec.key = View(key);
  if (spec.key.empty()) return llmgate::InvalidArgumentError("an API key may not be empty");
  spec.label = View(label);
  spec.base_url = View(base_url);
  spec.organization = View(organization);
  spec.project = View(project);
  auto limits = llmgate::ParseLimits(View(limits_spec));
  if (!limits.ok()) return limits.status();
  for (const llmgate::Limit& l : *limits) {
    if (!l.scope.empty()) {
      return llmgate::InvalidArgumentError("a key's limits apply to the key and name no scope (got '" + l.scope +
                                           "')");
    }
  }
  spec.limits = std::move(limits).value();
  return spec;
}

}  // namespace

extern "C" {

void llmgate_options_add_key(llmgate_options_t* o, const char* key, const char* label, const char* base_url,
                             const char* organization, const char* project, const char* limits_spec,
                             char** errptr) {
  GuardedVoid(errptr, [&] {
    auto spec = SpecOf(key, label, base_url, organization, project, limits_spec);
    if (!spec.ok()) return SaveError(errptr, spec.status());
    o->rep.keys.push_back(std::move(spec).value());
  });
}

void llmgate_options_set_keys_file(llmgate_options_t* o, const char* path) { o->rep.keys_file = View(path); }
void llmgate_options_set_keys_from_env(llmgate_options_t* o, unsigned char v) { o->rep.keys_from_env = v; }
void llmgate_options_set_key_policy(llmgate_options_t* o, llmgate_key_policy_t policy) {
  o->rep.key_policy = policy == LLMGATE_KEY_POLICY_ROUND_ROBIN ? llmgate::KeyPolicy::kRoundRobin
                                                               : llmgate::KeyPolicy::kMostHeadroom;
}
void llmgate_options_set_key_max_in_flight(llmgate_options_t* o, int v) { o->rep.key_max_in_flight = v; }
void llmgate_options_set_key_failure_threshold(llmgate_options_t* o, int v) { o->rep.key_failure_threshold = v; }
void llmgate_options_set_key_failure_cooldown_ms(llmgate_options_t* o, int64_t ms) {
  o->rep.key_failure_cooldown = std::chrono::milliseconds(ms);
}

void llmgate_keys_add(llmgate_t* gate, const char* key, const char* label, const char* base_url,
                      const char* organization, const char* project, const char* limits_spec, char** errptr) {
  GuardedVoid(errptr, [&] {
    auto spec = SpecOf(key, label, base_url, organization, project, limits_spec);
    if (!spec.ok()) return SaveError(errptr, spec.status());
    if (llmgate::Status s = gate->rep->keys().Add(*spec); !s.ok()) SaveError(errptr, s);
  });
}

char* llmgate_keys_list(llmgate_t* gate, size_t* len, char** errptr) {
  return Guarded<char*>(errptr, nullptr, [&]() -> char* {
    auto keys = gate->rep->keys().List();
    if (!keys.ok()) {
      SaveError(errptr, keys.status());
      return nullptr;
    }
    return CopyOut(llmgate::c_api::KeyListJson(*keys), len);
  });
}

char* llmgate_keys_health(llmgate_t* gate, const char* key, size_t* len, char** errptr) {
  return Guarded<char*>(errptr, nullptr, [&]() -> char* {
    auto health = gate->rep->keys().Health(View(key));
    if (!health.ok()) {
      SaveError(errptr, health.status());
      return nullptr;
    }
    return CopyOut(llmgate::c_api::KeyHealthJson(*health), len);
  });
}

void llmgate_keys_disable(llmgate_t* gate, const char* key, const char* reason, char** errptr) {
  GuardedVoid(errptr, [&] {
    if (llmgate::Status s = gate->rep->keys().Disable(View(key), View(reason)); !s.ok()) SaveError(errptr, s);
  });
}

void llmgate_keys_enable(llmgate_t* gate, const char* key, char** errptr) {
  GuardedVoid(errptr, [&] {
    if (llmgate::Status s = gate->rep->keys().Enable(View(key)); !s.ok()) SaveError(errptr, s);
  });
}

}  // extern "C"
