// The Python module's gate: a shared reference to the C++ Gate, and the one helper every
// blocking method goes through, which releases the GIL while the library works.
//
// Ownership: streams hold the gate too, so closing the gate while a stream is open (or
// while another thread is inside a call) only drops this reference; the Gate goes when
// the last holder is done, and always without the GIL (closing flushes to SQLite and may
// log through a Python callback).
#ifndef LLMGATE_BINDINGS_PYTHON_PY_GATE_H_
#define LLMGATE_BINDINGS_PYTHON_PY_GATE_H_

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>  // in every file of the module: type casters must agree (ODR)

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "llmgate/gate.h"
#include "llmgate/options.h"
#include "py_errors.h"

namespace llmgate::python {

namespace py = pybind11;

// Drops a reference to a gate, releasing the GIL for it when Python is still running.
void ReleaseGate(std::shared_ptr<Gate> gate);

class PyGate {
 public:
  // Opens the gate without the GIL; raises the mapped error on failure.
  explicit PyGate(const Options& options);
  ~PyGate() { ReleaseGate(std::move(gate_)); }
  PyGate(const PyGate&) = delete;
  PyGate& operator=(const PyGate&) = delete;

  // The gate, or ValueError once closed (like a closed file). Requires the GIL. Hand the
  // reference back through ReleaseGate (or let Blocking do it): the last reference to a
  // Gate must not go under the GIL, since closing waits for threads that may need it.
  std::shared_ptr<Gate> Get() const;
  void Close() { ReleaseGate(std::move(gate_)); }
  bool closed() const { return gate_ == nullptr; }

  // Runs fn(Gate&) -> Status or Result<T> without the GIL and returns the value (nothing
  // for a Status), raising the mapped llmgate.Error for a failure.
  template <typename F>
  auto Blocking(F&& fn) const {
    std::shared_ptr<Gate> gate = Get();
    using R = decltype(fn(*gate));
    std::optional<R> r;
    {
      py::gil_scoped_release nogil;
      // The reference goes before the GIL comes back: it is the last one when another
      // thread closed the gate meanwhile, and a Gate must never close under the GIL.
      try {
        r.emplace(fn(*gate));
      } catch (...) {
        gate.reset();
        throw;
      }
      gate.reset();
    }
    return Unwrap(std::move(*r));
  }

  // The state directory in use (kept from the open, so reading it needs no gate).
  const std::string& state_dir() const { return state_dir_; }

 private:
  static void Unwrap(Status s) {
    if (!s.ok()) Raise(s);
  }
  template <typename T>
  static T Unwrap(Result<T> r) {
    if (!r.ok()) Raise(r.status());
    return std::move(r).value();
  }

  std::shared_ptr<Gate> gate_;
  std::string state_dir_;
};

// The parts of the Python Gate, each registered by its own file.
using GateClass = py::class_<PyGate>;
void RegisterClient(py::module_& m, GateClass& gate);   // calls, streams, responses (py_client.cc)
void RegisterCache(GateClass& gate);                     // py_cache.cc
void RegisterLimiter(py::module_& m, GateClass& gate);   // py_limiter.cc
void RegisterKeys(GateClass& gate);                      // the key pool (py_keys.cc)

}  // namespace llmgate::python

#endif  // LLMGATE_BINDINGS_PYTHON_PY_GATE_H_
