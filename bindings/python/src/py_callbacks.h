// Python callables handed to the library (log sink, on_wait, on_retry, tokenizer). The
// library calls them from any thread, usually one that released the GIL around a blocking
// call, and destroys them whenever a gate goes: every call and the final release of the
// Python object take the GIL first.
#ifndef LLMGATE_BINDINGS_PYTHON_PY_CALLBACKS_H_
#define LLMGATE_BINDINGS_PYTHON_PY_CALLBACKS_H_

#include <pybind11/pybind11.h>

#include <memory>

#include "llmgate/limiter.h"
#include "llmgate/log.h"
#include "llmgate/options.h"
#include "llmgate/tokenizer.h"

namespace llmgate::python {

namespace py = pybind11;

// True once the interpreter is shutting down (or gone): then no Python code may run and
// callbacks are skipped.
bool PythonGone();

// A reference to a Python object that may be copied and released on any thread, with or
// without the GIL.
class PyRef {
 public:
  explicit PyRef(py::object object);
  // Requires the GIL.
  const py::object& get() const { return *object_; }

 private:
  std::shared_ptr<py::object> object_;
};

// callable(level: str, message: str); level is "debug", "info", "warning" or "error".
LogSink MakeLogSink(py::object callable);
// callable(event: dict) with "scope", "limit_name", "wait" (seconds).
WaitCallback MakeWaitCallback(py::object callable);
// callable(event: dict) with "attempt", "delay" (seconds), "error" (an llmgate.Error), "key_label".
RetryCallback MakeRetryCallback(py::object callable);
// callable(model: str, text: str) -> int.
std::shared_ptr<Tokenizer> MakeTokenizer(py::object callable);

}  // namespace llmgate::python

#endif  // LLMGATE_BINDINGS_PYTHON_PY_CALLBACKS_H_
