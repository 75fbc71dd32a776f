// The limiter methods of the Python Gate, and the Reservation and Denial they return.
#include <chrono>
#include <string>
#include <vector>

#include "py_callbacks.h"
#include "py_convert.h"
#include "py_gate.h"
#include "py_options.h"

namespace llmgate::python {
namespace {

AcquireRequest RequestOf(const std::vector<std::string>& scopes, const py::dict& cost) {
  AcquireRequest request;
  request.scopes = scopes;
  request.cost = CostsFromDict(cost);
  return request;
}

}  // namespace

void RegisterLimiter(py::module_& m, GateClass& gate) {
  // Truthy, so that `if r := limiter.try_acquire(...)` reads naturally.
  py::class_<Reservation>(m, "Reservation", "Granted quota: keep it to reconcile or cancel.")
      .def_readonly("scopes", &Reservation::scopes)
      .def_property_readonly("cost", [](const Reservation& r) { return CostsDict(r.cost); })
      .def_property_readonly("start", [](const Reservation& r) { return EpochSeconds(r.start_micros); },
                             "When the caller may start (seconds since the epoch; later than now when booked ahead).")
      .def_property_readonly("granted", [](const Reservation&) { return true; })
      .def("__bool__", [](const Reservation&) { return true; })
      .def("__repr__", [](const Reservation& r) {
        return "<llmgate.Reservation " + std::to_string(r.scopes.size()) + " scope(s), start " +
               std::to_string(r.start_micros) + " us>";
      });

  py::class_<Denial>(m, "Denial", "A denied try_acquire: the limit that stopped it and when it could pass.")
      .def_readonly("scope", &Denial::scope)
      .def_readonly("limit_name", &Denial::limit_name)
      .def_property_readonly("retry_after", [](const Denial& d) { return Seconds(d.retry_after); })
      .def_property_readonly("retry_at", [](const Denial& d) { return EpochSeconds(d.retry_at_micros); })
      .def_property_readonly("granted", [](const Denial&) { return false; })
      .def("__bool__", [](const Denial&) { return false; })
      .def("__repr__", [](const Denial& d) {
        return "<llmgate.Denial " + d.scope + "/" + d.limit_name + ", retry after " +
               std::to_string(d.retry_after.count()) + " ms>";
      });

  gate.def(
          "limiter_acquire",
          [](const PyGate& self, const std::vector<std::string>& scopes, const py::dict& cost, py::object timeout,
             py::object max_wait, py::object on_wait) {
            AcquireRequest request = RequestOf(scopes, cost);
            if (!max_wait.is_none()) request.max_wait = Millis(max_wait, "max_wait");
            AcquireOptions options;
            if (!timeout.is_none()) options.timeout = Millis(timeout, "timeout");
            options.on_wait = MakeWaitCallback(on_wait);
            return self.Blocking([&](Gate& g) { return g.limiter().Acquire(request, options); });
          },
          py::arg("scopes"), py::arg("cost"), py::arg("timeout") = py::none(), py::arg("max_wait") = py::none(),
          py::arg("on_wait") = py::none())
      .def(
          "limiter_try_acquire",
          [](const PyGate& self, const std::vector<std::string>& scopes, const py::dict& cost, py::object max_wait) {
            AcquireRequest request = RequestOf(scopes, cost);
            if (!max_wait.is_none()) request.max_wait = Millis(max_wait, "max_wait");
            AcquireOutcome outcome = self.Blocking([&](Gate& g) { return g.limiter().TryAcquire(request); });
            if (outcome.granted()) return py::cast(std::move(*outcome.reservation));
            return py::cast(outcome.denial.value_or(Denial{}));
          },
          py::arg("scopes"), py::arg("cost"), py::arg("max_wait") = py::none())
      .def(
          "limiter_reconcile",
          [](const PyGate& self, const Reservation& reservation, const py::dict& actual) {
            const std::vector<Cost> costs = CostsFromDict(actual);
            return self.Blocking([&](Gate& g) { return g.limiter().Reconcile(reservation, costs); });
          },
          py::arg("reservation"), py::arg("actual"))
      .def(
          "limiter_cancel",
          [](const PyGate& self, const Reservation& reservation) {
            self.Blocking([&](Gate& g) { return g.limiter().Cancel(reservation); });
          },
          py::arg("reservation"))
      .def(
          "limiter_usage",
          [](const PyGate& self, const std::string& scope) {
            return LimitUsageList(self.Blocking([&](Gate& g) { return g.limiter().Usage(scope); }));
          },
          py::arg("scope") = "")
      .def(
          "limiter_set_limits",
          [](const PyGate& self, const std::string& specs) {
            const std::vector<Limit> limits = LimitsFromSpecs(specs);
            self.Blocking([&](Gate& g) { return g.limiter().SetLimits(limits); });
          },
          py::arg("specs"))
      .def(
          "limiter_block",
          [](const PyGate& self, const std::string& scope, double until) {
            const auto until_micros = static_cast<int64_t>(until * 1e6);
            self.Blocking([&](Gate& g) { return g.limiter().Block(scope, until_micros); });
          },
          py::arg("scope"), py::arg("until"));
}

}  // namespace llmgate::python
