// What the C API's opaque handles hold, and the helpers every part of it shares. Only the
// bindings/c/*.cc files include this; C programs see the handles as incomplete types.
#ifndef LLMGATE_BINDINGS_C_C_INTERNAL_H_
#define LLMGATE_BINDINGS_C_C_INTERNAL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "llmgate/c.h"
#include "llmgate/gate.h"
#include "llmgate/options.h"
#include "llmgate/status.h"

struct llmgate_t {
  std::unique_ptr<llmgate::Gate> rep;
};

struct llmgate_options_t {
  llmgate::Options rep;
};

struct llmgate_calloptions_t {
  llmgate::CallOptions rep;
  // CallOptions points at a flag the caller owns; the handle owns it for C callers, and
  // rep.cancelled points here for the handle's whole life.
  std::atomic<bool> cancelled{false};
};

struct llmgate_response_t {
  llmgate::Response rep;
};

struct llmgate_reservation_t {
  llmgate::Reservation rep;
};

namespace llmgate::c_api {

// Stores `status` (not OK) in *errptr as a malloc'ed "CODE_NAME: message", freeing what
// was there.
void SaveError(char** errptr, const Status& status);

// Runs `fn` and returns what it returns; an exception (out of memory, a bug) must not
// cross into C, so it becomes an INTERNAL error and `fallback`.
template <typename T, typename F>
T Guarded(char** errptr, T fallback, F&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    SaveError(errptr, InternalError(std::string("unexpected exception: ") + e.what()));
  } catch (...) {
    SaveError(errptr, InternalError("unexpected exception"));
  }
  return fallback;
}

template <typename F>
void GuardedVoid(char** errptr, F&& fn) {
  Guarded(errptr, 0, [&] {
    fn();
    return 0;
  });
}

// A malloc'ed NUL-terminated copy of `text` (the library's allocator, freed by
// llmgate_free); *len receives its length when len is not NULL.
char* CopyOut(std::string_view text, size_t* len);

// "" for NULL, so that NULL can mean "default" for every string argument.
inline std::string_view View(const char* s) { return s ? std::string_view(s) : std::string_view(); }
inline std::string_view View(const char* s, size_t n) { return s ? std::string_view(s, n) : std::string_view(); }

// Call options, or the defaults for NULL.
const CallOptions& CallOptionsOf(const llmgate_calloptions_t* options);

// Parallel C arrays of dimension names and amounts as costs.
std::vector<Cost> CostsOf(const char* const* dimensions, const int64_t* amounts, size_t n);

}  // namespace llmgate::c_api

#endif  // LLMGATE_BINDINGS_C_C_INTERNAL_H_
