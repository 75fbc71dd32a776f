#include "cache/response_usage.h"

#include <simdjson.h>

#include <string>

namespace llmgate::internal {
namespace {

int64_t IntField(simdjson::dom::object usage, const char* name) {
  int64_t v = 0;
  if (usage[name].get_int64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

}  // namespace

Result<ResponseInfo> InspectResponse(std::string_view response_json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(response_json.data(), response_json.size()).get(root)) {
    return InvalidArgumentError(std::string("response is not valid JSON: ") + simdjson::error_message(err));
  }
  ResponseInfo info;
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return info;
  simdjson::dom::element error;
  info.is_error = top["error"].get(error) == simdjson::SUCCESS && !error.is_null();
  simdjson::dom::object usage;
  if (top["usage"].get_object().get(usage) != simdjson::SUCCESS) return info;
  info.total_tokens = IntField(usage, "total_tokens");
  if (info.total_tokens <= 0) info.total_tokens = IntField(usage, "prompt_tokens") + IntField(usage, "completion_tokens");
  if (info.total_tokens <= 0) info.total_tokens = IntField(usage, "input_tokens") + IntField(usage, "output_tokens");
  return info;
}

}  // namespace llmgate::internal
