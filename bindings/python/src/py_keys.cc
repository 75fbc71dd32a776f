// The key pool methods of the Python Gate (llmgate.Keys wraps them). Each reads or writes
// quota.db, so each runs without the GIL.
#include <string>

#include "py_convert.h"
#include "py_gate.h"
#include "py_options.h"

namespace llmgate::python {

void RegisterKeys(GateClass& gate) {
  gate.def(
          "keys_add",
          [](const PyGate& self, py::handle key) {
            const ApiKeySpec spec = KeySpecFrom(key);  // with the GIL: it reads Python objects
            self.Blocking([&](Gate& g) { return g.keys().Add(spec); });
          },
          py::arg("key"), "Adds a key (a str, or a dict as in Gate(keys=[...])).")
      .def("keys_list",
           [](const PyGate& self) {
             return KeyHealthList(self.Blocking([](Gate& g) { return g.keys().List(); }));
           })
      .def(
          "keys_health",
          [](const PyGate& self, const std::string& key) {
            return KeyHealthDict(self.Blocking([&](Gate& g) { return g.keys().Health(key); }));
          },
          py::arg("key"))
      .def(
          "keys_disable",
          [](const PyGate& self, const std::string& key, const std::string& reason) {
            self.Blocking([&](Gate& g) { return g.keys().Disable(key, reason); });
          },
          py::arg("key"), py::arg("reason") = "")
      .def(
          "keys_enable",
          [](const PyGate& self, const std::string& key) {
            self.Blocking([&](Gate& g) { return g.keys().Enable(key); });
          },
          py::arg("key"));
}

}  // namespace llmgate::python
