#include "cli/json_views.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <initializer_list>
#include <utility>

#include "cli/text_format.h"
#include "util/report_fields.h"

namespace llmgate::cli {
namespace {

// Every field of a report (util/report_fields.h) as JSON text, in the table's order. A view
// writes some of them in its own order, beside the values it derives, then the rest: so a
// field added to a report shows up in --json with no edit here. Times are in µs, named
// `name`_micros.
class Fields {
 public:
  template <typename Report>
  explicit Fields(const Report& report) {
    internal::ForEachField(report, [this](std::string_view name, const auto& value) { Add(name, value); });
  }

  // Writes these fields, in this order, and takes them out.
  Fields& Write(JsonWriter& w, std::initializer_list<std::string_view> names) {
    for (std::string_view name : names) WriteAs(w, name, name);
    return *this;
  }
  // Writes field `name` under another name and takes it out.
  Fields& WriteAs(JsonWriter& w, std::string_view name, std::string_view shown_as) {
    w.Key(shown_as).Raw(Take(name));
    return *this;
  }
  // Takes a field out unwritten.
  Fields& Drop(std::string_view name) {
    Take(name);
    return *this;
  }
  // Writes the fields not taken yet.
  void WriteRest(JsonWriter& w) {
    for (const auto& [name, json] : fields_) w.Key(name).Raw(json);
    fields_.clear();
  }

 private:
  void Add(std::string_view name, int64_t value) { Put(std::string(name), JsonWriter().Int(value).Take()); }
  void Add(std::string_view name, double value) { Put(std::string(name), JsonWriter().Double(value).Take()); }
  void Add(std::string_view name, std::string_view value) {
    Put(std::string(name), JsonWriter().String(value).Take());
  }
  void Add(std::string_view name, std::chrono::microseconds value) {
    Put(std::string(name) + "_micros", JsonWriter().Int(value.count()).Take());
  }
  void Add(std::string_view name, internal::WallTime value) {
    Put(std::string(name) + "_micros", JsonWriter().Int(value.micros).Take());
  }
  void Put(std::string name, std::string json) { fields_.emplace_back(std::move(name), std::move(json)); }

  std::string Take(std::string_view name) {
    auto it = std::find_if(fields_.begin(), fields_.end(), [&](const auto& f) { return f.first == name; });
    assert(it != fields_.end() && "a view names a field the report does not have");
    if (it == fields_.end()) return "null";
    std::string json = std::move(it->second);
    fields_.erase(it);
    return json;
  }

  std::vector<std::pair<std::string, std::string>> fields_;  // name, JSON value
};

}  // namespace

void WriteLimit(JsonWriter& w, const LimitUsage& u, int64_t now_micros) {
  const Limit& l = u.limit;
  Fields f(u);
  // Shown as the bucket's real size below (a rolling limit's burst of 0 means the limit).
  f.Drop("burst");
  w.BeginObject();
  f.Write(w, {"scope", "name", "dimension"});
  w.Field("window", WindowName(l.window.count()));
  f.Write(w, {"window_micros", "kind", "source", "limit"});
  w.Field("burst", l.burst > 0 ? l.burst : l.limit);
  f.WriteRest(w);
  w.Field("reset_in_ms", std::max<int64_t>(0, (u.reset_micros - now_micros + 999) / 1000));
  w.EndObject();
}

void WriteKey(JsonWriter& w, const KeyHealth& k, int64_t now_micros) {
  Fields f(k);
  w.BeginObject();
  f.Write(w, {"label", "fingerprint", "group", "state", "disabled_reason", "cooldown_until_micros"});
  w.Field("cooldown_remaining_ms",
          k.state == KeyState::kCoolingDown ? std::max<int64_t>(0, (k.cooldown_until_micros - now_micros) / 1000)
                                            : int64_t{0});
  f.Write(w, {"in_flight", "requests", "successes", "success_rate", "http_429"});
  // The failure classes grouped, by class name.
  w.Key("errors").BeginObject();
  for (std::string_view cls : {"auth", "quota", "server", "network", "other"}) {
    f.WriteAs(w, std::string(cls) + "_errors", cls);
  }
  w.EndObject();
  f.WriteRest(w);
  w.EndObject();
}

void WriteCache(JsonWriter& w, const CacheStats& c) {
  Fields f(c);
  w.BeginObject();
  f.Write(w, {"entries", "bytes", "hits", "misses"});
  w.Field("hit_rate", Ratio(c.hits, c.hits + c.misses));
  f.WriteRest(w);
  w.EndObject();
}

void WriteClient(JsonWriter& w, const SharedClientStats& c) {
  w.BeginObject();
  Fields(c).WriteRest(w);
  w.EndObject();
}

std::string LimitsJson(const std::vector<LimitUsage>& limits, int64_t now_micros) {
  JsonWriter w;
  w.BeginObject().Key("limits").BeginArray();
  for (const LimitUsage& u : limits) WriteLimit(w, u, now_micros);
  w.EndArray().EndObject();
  return w.Take();
}

std::string KeysJson(const std::vector<KeyHealth>& keys, int64_t now_micros) {
  JsonWriter w;
  w.BeginObject().Key("keys").BeginArray();
  for (const KeyHealth& k : keys) WriteKey(w, k, now_micros);
  w.EndArray().EndObject();
  return w.Take();
}

std::string CacheJson(const CacheStats& c) {
  JsonWriter w;
  w.BeginObject().Key("cache");
  WriteCache(w, c);
  w.EndObject();
  return w.Take();
}

std::string StatusJson(const Snapshot& s) {
  JsonWriter w;
  w.BeginObject().Field("state_dir", s.state_dir).Field("time_micros", s.now_micros);
  w.Key("limits").BeginArray();
  for (const LimitUsage& u : s.limits) WriteLimit(w, u, s.now_micros);
  w.EndArray();
  w.Key("keys").BeginArray();
  for (const KeyHealth& k : s.keys) WriteKey(w, k, s.now_micros);
  w.EndArray();
  w.Key("cache");
  WriteCache(w, s.cache);
  w.Key("client");
  WriteClient(w, s.client);
  w.EndObject();
  return w.Take();
}

}  // namespace llmgate::cli
