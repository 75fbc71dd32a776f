// Library errors as Python exceptions. The hierarchy (llmgate.Error, RateLimited, ...) is
// defined in Python (llmgate/errors.py), which hands the module a factory at import; a
// failed Status travels as StatusError through C++ and becomes that exception at the
// boundary.
#ifndef LLMGATE_BINDINGS_PYTHON_PY_ERRORS_H_
#define LLMGATE_BINDINGS_PYTHON_PY_ERRORS_H_

#include <pybind11/pybind11.h>

#include <exception>
#include <utility>

#include "llmgate/status.h"

namespace llmgate::python {

namespace py = pybind11;

class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return "llmgate error"; }

 private:
  Status status_;
};

// The llmgate.Error instance for a failed status (not raised). Requires the GIL.
py::object MakeError(const Status& status);

// Raises the status as its Python exception (through StatusError).
[[noreturn]] inline void Raise(const Status& status) { throw StatusError(status); }

// Registers the translator and _set_error_factory.
void RegisterErrors(py::module_& m);

}  // namespace llmgate::python

#endif  // LLMGATE_BINDINGS_PYTHON_PY_ERRORS_H_
