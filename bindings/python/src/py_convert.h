// Conversions between the library's values and Python's: text, durations in seconds,
// and the dicts the module hands out for stats and usage. All need the GIL.
#ifndef LLMGATE_BINDINGS_PYTHON_PY_CONVERT_H_
#define LLMGATE_BINDINGS_PYTHON_PY_CONVERT_H_

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>  // in every file of the module: type casters must agree (ODR)

#include <chrono>
#include <string_view>
#include <vector>

#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "llmgate/keys.h"
#include "llmgate/limiter.h"

namespace llmgate::python {

namespace py = pybind11;

// UTF-8 text as str; invalid bytes become U+FFFD rather than an exception (a server's
// message or header should never make a call fail).
py::str Str(std::string_view text);

// Durations and instants as float seconds, as Python's time functions use.
template <typename Rep, typename Period>
double Seconds(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}
inline double EpochSeconds(int64_t micros) { return static_cast<double>(micros) / 1e6; }

// Float seconds (int or float) to a duration; TypeError/ValueError for anything else.
std::chrono::milliseconds Millis(py::handle seconds, const char* what);

py::dict UsageDict(const Usage& usage);
py::dict CacheStatsDict(const CacheStats& stats);
py::dict ClientStatsDict(const ClientStats& stats);
py::dict SharedClientStatsDict(const SharedClientStats& stats);
py::dict LimitUsageDict(const LimitUsage& usage);
py::list LimitUsageList(const std::vector<LimitUsage>& usage);

// A key's health with the C API's field names and units (fingerprint, label, group, state,
// ..., cooldown_until_micros, latency_p50_ms, ...); never the key itself.
py::dict KeyHealthDict(const KeyHealth& key);
py::list KeyHealthList(const std::vector<KeyHealth>& keys);

// {"requests": 1, "tokens": 100} <-> costs.
std::vector<Cost> CostsFromDict(const py::dict& cost);
py::dict CostsDict(const std::vector<Cost>& costs);

}  // namespace llmgate::python

#endif  // LLMGATE_BINDINGS_PYTHON_PY_CONVERT_H_
