// llmgate._llmgate: the C++ side of the Python package. It speaks bytes of JSON; the
// package (llmgate/*.py) turns them into dicts, builds the exception hierarchy and gives
// the friendly signatures. Every method that can block (HTTP, quota waits, SQLite)
// releases the GIL.
#include <pybind11/pybind11.h>

#include <memory>
#include <utility>

#include "llmgate/version.h"
#include "py_convert.h"
#include "py_errors.h"
#include "py_gate.h"
#include "py_options.h"

namespace py = pybind11;
using llmgate::python::PyGate;

PYBIND11_MODULE(_llmgate, m) {
  m.doc() = "llmgate's native module; use the llmgate package.";
  m.attr("__version__") = LLMGATE_VERSION_STRING;

  llmgate::python::RegisterErrors(m);

  llmgate::python::GateClass gate(m, "Gate", "An open gate (use llmgate.Gate, which wraps it).");
  gate.def(py::init([](const py::dict& options) {
             return std::make_unique<PyGate>(llmgate::python::OptionsFromDict(options));
           }),
           py::arg("options"))
      .def("close", &PyGate::Close)
      .def_property_readonly("closed", &PyGate::closed)
      .def_property_readonly("state_dir", &PyGate::state_dir)
      .def("stats", [](const PyGate& self) {
        // Cache counters come from cache.db: read without the GIL. The key pool's counters
        // will join as "keys".
        using Both = std::pair<llmgate::CacheStats, llmgate::ClientStats>;
        Both stats = self.Blocking([](llmgate::Gate& g) -> llmgate::Result<Both> {
          auto cache = g.cache().Stats();
          if (!cache.ok()) return cache.status();
          return Both(*cache, g.client().Stats());
        });
        py::dict out;
        out["client"] = llmgate::python::ClientStatsDict(stats.second);
        out["cache"] = llmgate::python::CacheStatsDict(stats.first);
        return out;
      });

  llmgate::python::RegisterClient(m, gate);
  llmgate::python::RegisterCache(gate);
  llmgate::python::RegisterLimiter(m, gate);
}
