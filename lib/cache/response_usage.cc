#include "cache/response_usage.h"

#include <simdjson.h>

#include <cstdint>
#include <string>

#include "util/json_parser.h"

namespace llmgate::internal {
namespace {

int64_t IntField(simdjson::dom::object usage, const char* name) {
  int64_t v = 0;
  if (usage[name].get_int64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

// The first of two names that is present: chat counts prompt_tokens, Responses input_tokens.
int64_t EitherField(simdjson::dom::object usage, const char* name, const char* alternative) {
  int64_t v = 0;
  if (usage[name].get_int64().get(v) == simdjson::SUCCESS) return v;
  return IntField(usage, alternative);
}

// Adds without overflowing: the counts come from the network and may be absurd.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}

}  // namespace

Result<ResponseInfo> InspectResponse(std::string_view response_json) {
  JsonParserLease parser(response_json.size());
  simdjson::dom::element root;
  if (auto err = parser.get().parse(response_json.data(), response_json.size()).get(root)) {
    return InvalidArgumentError(std::string("response is not valid JSON: ") + simdjson::error_message(err));
  }
  ResponseInfo info;
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return info;
  simdjson::dom::element error;
  info.is_error = top["error"].get(error) == simdjson::SUCCESS && !error.is_null();
  simdjson::dom::array data;
  if (top["data"].get_array().get(data) == simdjson::SUCCESS) info.data_items = static_cast<int64_t>(data.size());
  simdjson::dom::object usage;
  if (top["usage"].get_object().get(usage) != simdjson::SUCCESS) return info;
  info.has_usage = true;
  info.prompt_tokens = EitherField(usage, "prompt_tokens", "input_tokens");
  info.completion_tokens = EitherField(usage, "completion_tokens", "output_tokens");
  info.total_tokens = IntField(usage, "total_tokens");
  if (info.total_tokens <= 0) {
    info.total_tokens = SaturatingAdd(IntField(usage, "prompt_tokens"), IntField(usage, "completion_tokens"));
  }
  if (info.total_tokens <= 0) {
    info.total_tokens = SaturatingAdd(IntField(usage, "input_tokens"), IntField(usage, "output_tokens"));
  }
  return info;
}

}  // namespace llmgate::internal
