#include "c_json.h"

#include <chrono>

#include "util/report_fields.h"

namespace llmgate::c_api {
namespace {

using internal::JsonWriter;

// One report field as the C API writes it (c.h documents these names and units).
struct FieldWriter {
  JsonWriter* w;

  void operator()(std::string_view name, int64_t value) const { w->Key(name).Int(value); }
  void operator()(std::string_view name, double value) const { w->Key(name).Double(value); }
  void operator()(std::string_view name, std::string_view value) const { w->Key(name).String(value); }
  void operator()(std::string_view name, std::chrono::microseconds value) const {
    w->Key(std::string(name) + "_ms").Int(std::chrono::duration_cast<std::chrono::milliseconds>(value).count());
  }
  void operator()(std::string_view name, internal::WallTime value) const {
    w->Key(std::string(name) + "_micros").Int(value.micros);
  }
};

template <typename Report>
void WriteObject(const Report& report, JsonWriter* w) {
  w->BeginObject();
  internal::ForEachField(report, FieldWriter{w});
  w->EndObject();
}

template <typename Report>
std::string ObjectJson(const Report& report) {
  JsonWriter w;
  WriteObject(report, &w);
  return w.Take();
}

template <typename Report>
std::string ArrayJson(const std::vector<Report>& reports) {
  JsonWriter w;
  w.BeginArray();
  for (const Report& r : reports) WriteObject(r, &w);
  w.EndArray();
  return w.Take();
}

}  // namespace

std::string CacheStatsJson(const CacheStats& s) { return ObjectJson(s); }
std::string ClientStatsJson(const ClientStats& s) { return ObjectJson(s); }
std::string SharedClientStatsJson(const SharedClientStats& s) { return ObjectJson(s); }
std::string UsageJson(const std::vector<LimitUsage>& usage) { return ArrayJson(usage); }
std::string KeyHealthJson(const KeyHealth& k) { return ObjectJson(k); }
std::string KeyListJson(const std::vector<KeyHealth>& keys) { return ArrayJson(keys); }

}  // namespace llmgate::c_api
