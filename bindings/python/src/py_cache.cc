// The cache methods of the Python Gate (llmgate.Cache wraps them with JSON).
#include <optional>
#include <string>

#include "py_convert.h"
#include "py_gate.h"
#include "py_options.h"

namespace llmgate::python {

void RegisterCache(GateClass& gate) {
  gate.def(
          "cache_get",
          [](const PyGate& self, const std::string& path, const std::string& body, const py::dict& control) {
            const CacheControl c = CacheControlFromDict(control);
            std::optional<std::string> hit = self.Blocking([&](Gate& g) { return g.cache().Get(path, body, c); });
            return hit ? py::object(py::bytes(*hit)) : py::object(py::none());
          },
          py::arg("path"), py::arg("body"), py::arg("control"))
      .def(
          "cache_put",
          [](const PyGate& self, const std::string& path, const std::string& body, const std::string& response,
             const py::dict& control) {
            const CacheControl c = CacheControlFromDict(control);
            self.Blocking([&](Gate& g) { return g.cache().Put(path, body, response, c); });
          },
          py::arg("path"), py::arg("body"), py::arg("response"), py::arg("control"))
      .def(
          "cache_invalidate",
          [](const PyGate& self, const std::string& path, const std::string& body, const py::dict& control) {
            const CacheControl c = CacheControlFromDict(control);
            self.Blocking([&](Gate& g) { return g.cache().Invalidate(path, body, c); });
          },
          py::arg("path"), py::arg("body"), py::arg("control"))
      .def(
          "cache_purge",
          [](const PyGate& self, std::optional<std::string> ns) {
            return self.Blocking([&](Gate& g) {
              return g.cache().Purge(ns ? std::optional<std::string_view>(*ns) : std::nullopt);
            });
          },
          py::arg("namespace") = py::none())
      .def("cache_remove_expired",
           [](const PyGate& self) { return self.Blocking([](Gate& g) { return g.cache().RemoveExpired(); }); })
      .def("cache_flush", [](const PyGate& self) { self.Blocking([](Gate& g) { return g.cache().Flush(); }); })
      .def("cache_stats", [](const PyGate& self) {
        return CacheStatsDict(self.Blocking([](Gate& g) { return g.cache().Stats(); }));
      });
}

}  // namespace llmgate::python
