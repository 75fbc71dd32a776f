#include "py_convert.h"

#include <cmath>
#include <string>

#include "util/report_fields.h"

namespace llmgate::python {

py::str Str(std::string_view text) {
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

std::chrono::milliseconds Millis(py::handle seconds, const char* what) {
  if (!py::isinstance<py::int_>(seconds) && !py::isinstance<py::float_>(seconds)) {
    throw py::type_error(std::string(what) + " must be a number of seconds");
  }
  const double s = seconds.cast<double>();
  if (!std::isfinite(s) || s < 0) throw py::value_error(std::string(what) + " must be >= 0 seconds");
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(s * 1000)));
}

namespace {

// One report field as a dict item: times in float seconds, as Python's time functions use.
struct DictSetter {
  py::dict* d;

  void operator()(const char* name, int64_t value) const { (*d)[name] = value; }
  void operator()(const char* name, double value) const { (*d)[name] = value; }
  void operator()(const char* name, std::string_view value) const { (*d)[name] = Str(value); }
  void operator()(const char* name, std::chrono::microseconds value) const { (*d)[name] = Seconds(value); }
  void operator()(const char* name, internal::WallTime value) const { (*d)[name] = EpochSeconds(value.micros); }
};

template <typename Report>
py::dict ReportDict(const Report& report) {
  py::dict d;
  internal::ForEachField(report, DictSetter{&d});
  return d;
}

template <typename Report>
py::list ReportList(const std::vector<Report>& reports) {
  py::list out;
  for (const Report& r : reports) out.append(ReportDict(r));
  return out;
}

}  // namespace

py::dict UsageDict(const Usage& u) { return ReportDict(u); }
py::dict CacheStatsDict(const CacheStats& s) { return ReportDict(s); }
py::dict ClientStatsDict(const ClientStats& s) { return ReportDict(s); }
py::dict SharedClientStatsDict(const SharedClientStats& s) { return ReportDict(s); }
py::dict LimitUsageDict(const LimitUsage& u) { return ReportDict(u); }
py::list LimitUsageList(const std::vector<LimitUsage>& usage) { return ReportList(usage); }
py::dict KeyHealthDict(const KeyHealth& k) { return ReportDict(k); }
py::list KeyHealthList(const std::vector<KeyHealth>& keys) { return ReportList(keys); }

std::vector<Cost> CostsFromDict(const py::dict& cost) {
  std::vector<Cost> out;
  for (auto [name, amount] : cost) {
    if (!py::isinstance<py::str>(name) || !py::isinstance<py::int_>(amount)) {
      throw py::type_error("a cost maps dimension names (str) to amounts (int)");
    }
    out.push_back({name.cast<std::string>(), amount.cast<int64_t>()});
  }
  return out;
}

py::dict CostsDict(const std::vector<Cost>& costs) {
  py::dict d;
  for (const Cost& c : costs) d[Str(c.dimension)] = c.amount;
  return d;
}

}  // namespace llmgate::python
