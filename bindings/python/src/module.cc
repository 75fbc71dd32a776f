// llmgate._llmgate: the C++ side of the Python package. It speaks bytes of JSON; the
// package (llmgate/*.py) turns them into dicts, builds the exception hierarchy and gives
// the friendly signatures. Every method that can block (HTTP, quota waits, SQLite)
// releases the GIL.
#include <pybind11/pybind11.h>

#include <memory>
#include <utility>
#include <vector>

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
        // Cache counters come from cache.db, shared counters and keys from quota.db: read
        // without the GIL.
        struct All {
          llmgate::ClientStats client;
          llmgate::SharedClientStats shared;
          llmgate::CacheStats cache;
          std::vector<llmgate::KeyHealth> keys;
        };
        All stats = self.Blocking([](llmgate::Gate& g) -> llmgate::Result<All> {
          All all;
          all.client = g.client().Stats();
          auto shared = g.client().SharedStats();
          if (!shared.ok()) return shared.status();
          all.shared = *shared;
          auto cache = g.cache().Stats();
          if (!cache.ok()) return cache.status();
          all.cache = *cache;
          auto keys = g.keys().List();
          if (!keys.ok()) return keys.status();
          all.keys = std::move(keys).value();
          return all;
        });
        py::dict out;
        out["client"] = llmgate::python::ClientStatsDict(stats.client);
        out["shared"] = llmgate::python::SharedClientStatsDict(stats.shared);
        out["cache"] = llmgate::python::CacheStatsDict(stats.cache);
        out["keys"] = llmgate::python::KeyHealthList(stats.keys);
        return out;
      });

  llmgate::python::RegisterClient(m, gate);
  llmgate::python::RegisterCache(gate);
  llmgate::python::RegisterLimiter(m, gate);
  llmgate::python::RegisterKeys(gate);
}
