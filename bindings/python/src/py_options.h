// Options and per-call settings from the keyword arguments of the Python API. Names are
// those of the C++ fields; durations are float seconds; an unknown name is a TypeError,
// so that a typo fails loudly instead of being ignored.
#ifndef LLMGATE_BINDINGS_PYTHON_PY_OPTIONS_H_
#define LLMGATE_BINDINGS_PYTHON_PY_OPTIONS_H_

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "llmgate/options.h"

namespace llmgate::python {

namespace py = pybind11;

// Limits from LLMGATE_LIMITS text, parsed by the library's own parser (scopes left empty
// where the spec names none: the gate's default scope). Raises InvalidRequest for a bad spec.
std::vector<Limit> LimitsFromSpecs(const std::string& specs);

// A key and what goes with it: the key as a str, or a dict with "key" and optionally
// "label", "base_url", "organization", "project" (str) and "limits" (LLMGATE_LIMITS text
// without scopes, or a list of specs: the key's own limits). An empty key or a spec naming
// a scope raises InvalidRequest; an unknown field is a TypeError.
ApiKeySpec KeySpecFrom(py::handle key);

// llmgate::Options from Gate(...)'s keywords. `limits` is LLMGATE_LIMITS text (a bad spec
// raises InvalidRequest naming the offending token); callbacks are Python callables.
Options OptionsFromDict(const py::dict& kwargs);

// llmgate::CallOptions from a call's keywords: timeout, max_attempts, headers,
// idempotency_key, skip_cache_read, skip_cache_write, cache_ttl, cache_namespace.
CallOptions CallOptionsFromDict(const py::dict& kwargs);

// llmgate::CacheControl from the cache methods' keywords: skip_read, skip_write, ttl, namespace.
CacheControl CacheControlFromDict(const py::dict& kwargs);

}  // namespace llmgate::python

#endif  // LLMGATE_BINDINGS_PYTHON_PY_OPTIONS_H_
