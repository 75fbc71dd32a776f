#include "py_gate.h"

#include "py_callbacks.h"

namespace llmgate::python {

void ReleaseGate(std::shared_ptr<Gate> gate) {
  if (gate == nullptr) return;
  if (PythonGone()) {
    gate.reset();  // no other Python thread can run any more; callbacks are skipped
    return;
  }
  py::gil_scoped_release nogil;
  gate.reset();
}

PyGate::PyGate(const Options& options) {
  std::optional<Result<std::unique_ptr<Gate>>> opened;
  {
    py::gil_scoped_release nogil;
    opened.emplace(Gate::Open(options));
  }
  if (!opened->ok()) Raise(opened->status());
  gate_ = std::move(*opened).value();
  state_dir_ = gate_->state_dir();
}

std::shared_ptr<Gate> PyGate::Get() const {
  if (gate_ == nullptr) throw py::value_error("the gate is closed");
  return gate_;
}

}  // namespace llmgate::python
