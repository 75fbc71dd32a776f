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
#include "llmgate/limiter.h"

namespace llmgate::c_api {

// Builds one JSON object field by field.
class JsonObject {
 public:
  JsonObject& Int(std::string_view name, int64_t value);
  JsonObject& Str(std::string_view name, std::string_view value);
  JsonObject& Raw(std::string_view name, std::string_view json);  // an already-encoded value
  std::string Finish();

 private:
  void Name(std::string_view name);
  std::string out_ = "{";
};

std::string CacheStatsJson(const CacheStats& stats);
std::string ClientStatsJson(const ClientStats& stats);
std::string UsageJson(const std::vector<LimitUsage>& usage);

}  // namespace llmgate::c_api

#endif  // LLMGATE_BINDINGS_C_C_JSON_H_
