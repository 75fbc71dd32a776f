// llmgate_limiter_*: the cross-process rate limiter, and reservations.
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "c_internal.h"
#include "c_json.h"

using llmgate::c_api::CopyOut;
using llmgate::c_api::CostsOf;
using llmgate::c_api::Guarded;
using llmgate::c_api::GuardedVoid;
using llmgate::c_api::SaveError;
using llmgate::c_api::View;

namespace {

llmgate::AcquireRequest RequestOf(const char* const* scopes, size_t num_scopes, const char* const* dimensions,
                                  const int64_t* amounts, size_t num_costs) {
  llmgate::AcquireRequest request;
  for (size_t i = 0; i < num_scopes; ++i) request.scopes.emplace_back(View(scopes[i]));
  request.cost = CostsOf(dimensions, amounts, num_costs);
  return request;
}

}  // namespace

extern "C" {

llmgate_reservation_t* llmgate_limiter_acquire(llmgate_t* gate, const char* const* scopes, size_t num_scopes,
                                               const char* const* dimensions, const int64_t* amounts,
                                               size_t num_costs, int64_t timeout_ms, char** errptr) {
  return Guarded<llmgate_reservation_t*>(errptr, nullptr, [&]() -> llmgate_reservation_t* {
    llmgate::AcquireOptions options;
    if (timeout_ms > 0) options.timeout = std::chrono::milliseconds(timeout_ms);
    auto r = gate->rep->limiter().Acquire(RequestOf(scopes, num_scopes, dimensions, amounts, num_costs), options);
    if (!r.ok()) {
      SaveError(errptr, r.status());
      return nullptr;
    }
    return new llmgate_reservation_t{std::move(r).value()};
  });
}

llmgate_reservation_t* llmgate_limiter_try_acquire(llmgate_t* gate, const char* const* scopes, size_t num_scopes,
                                                   const char* const* dimensions, const int64_t* amounts,
                                                   size_t num_costs, int64_t max_wait_ms, int64_t* retry_after_ms,
                                                   char** denied_by, char** errptr) {
  return Guarded<llmgate_reservation_t*>(errptr, nullptr, [&]() -> llmgate_reservation_t* {
    llmgate::AcquireRequest request = RequestOf(scopes, num_scopes, dimensions, amounts, num_costs);
    request.max_wait = std::chrono::milliseconds(max_wait_ms > 0 ? max_wait_ms : 0);
    auto outcome = gate->rep->limiter().TryAcquire(request);
    if (!outcome.ok()) {
      SaveError(errptr, outcome.status());
      return nullptr;
    }
    if (outcome->granted()) return new llmgate_reservation_t{std::move(*outcome->reservation)};
    if (outcome->denial.has_value()) {
      const llmgate::Denial& d = *outcome->denial;
      if (retry_after_ms != nullptr) *retry_after_ms = static_cast<int64_t>(d.retry_after.count());
      if (denied_by != nullptr) {
        std::free(*denied_by);
        *denied_by = CopyOut(d.scope + "/" + d.limit_name, nullptr);
      }
    }
    return nullptr;
  });
}

void llmgate_limiter_reconcile(llmgate_t* gate, llmgate_reservation_t* reservation, const char* const* dimensions,
                               const int64_t* amounts, size_t num_costs, char** errptr) {
  GuardedVoid(errptr, [&] {
    auto updated = gate->rep->limiter().Reconcile(reservation->rep, CostsOf(dimensions, amounts, num_costs));
    if (!updated.ok()) return SaveError(errptr, updated.status());
    reservation->rep = std::move(updated).value();
  });
}

void llmgate_limiter_cancel(llmgate_t* gate, const llmgate_reservation_t* reservation, char** errptr) {
  GuardedVoid(errptr, [&] {
    llmgate::Status s = gate->rep->limiter().Cancel(reservation->rep);
    if (!s.ok()) SaveError(errptr, s);
  });
}

char* llmgate_limiter_usage(llmgate_t* gate, const char* scope, size_t* len, char** errptr) {
  return Guarded<char*>(errptr, nullptr, [&]() -> char* {
    auto usage = gate->rep->limiter().Usage(View(scope));
    if (!usage.ok()) {
      SaveError(errptr, usage.status());
      return nullptr;
    }
    return CopyOut(llmgate::c_api::UsageJson(*usage), len);
  });
}

void llmgate_limiter_set_limits(llmgate_t* gate, const char* specs, char** errptr) {
  GuardedVoid(errptr, [&] {
    auto limits = llmgate::ParseLimits(View(specs));
    if (!limits.ok()) return SaveError(errptr, limits.status());
    llmgate::Status s = gate->rep->limiter().SetLimits(*limits);
    if (!s.ok()) SaveError(errptr, s);
  });
}

void llmgate_limiter_block(llmgate_t* gate, const char* scope, int64_t until_micros, char** errptr) {
  GuardedVoid(errptr, [&] {
    llmgate::Status s = gate->rep->limiter().Block(View(scope), until_micros);
    if (!s.ok()) SaveError(errptr, s);
  });
}

void llmgate_reservation_destroy(llmgate_reservation_t* reservation) { delete reservation; }

int64_t llmgate_reservation_start_micros(const llmgate_reservation_t* reservation) {
  return reservation->rep.start_micros;
}

}  // extern "C"
