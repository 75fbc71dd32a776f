// JSON text of the counters and usage reports the C API hands out. JSON keeps the C ABI
// stable as fields are added (a struct would change size) and every language parses it.
#ifndef LLMGATE_BINDINGS_C_C_JSON_H_
#define LLMGATE_BINDINGS_C_C_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "llmgate/keys.h"
#include "llmgate/limiter.h"
#include "util/json_writer.h"

namespace llmgate::c_api {

// Builds one JSON object field by field, as one expression.
class JsonObject {
 public:
  JsonObject() { w_.BeginObject(); }
  JsonObject& Int(std::string_view name, int64_t value) {
    w_.Key(name).Int(value);
    return *this;
  }
  JsonObject& Double(std::string_view name, double value) {
    w_.Key(name).Double(value);
    return *this;
  }
  JsonObject& Str(std::string_view name, std::string_view value) {
    w_.Key(name).String(value);
    return *this;
  }
  // An already encoded value.
  JsonObject& Raw(std::string_view name, std::string_view json) {
    w_.Key(name).Raw(json);
    return *this;
  }
  std::string Finish() { return w_.EndObject().Take(); }

 private:
  internal::JsonWriter w_;
};

std::string CacheStatsJson(const CacheStats& stats);
std::string ClientStatsJson(const ClientStats& stats);
std::string SharedClientStatsJson(const SharedClientStats& stats);
std::string UsageJson(const std::vector<LimitUsage>& usage);
// What every process knows about a key (never the key itself), and a list of them.
std::string KeyHealthJson(const KeyHealth& key);
std::string KeyListJson(const std::vector<KeyHealth>& keys);

}  // namespace llmgate::c_api

#endif  // LLMGATE_BINDINGS_C_C_JSON_H_
