#include "client/request_body.h"

#include <simdjson.h>

#include <cstdio>

namespace llmgate::internal {
namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

}  // namespace

Result<StreamBody> MakeStreamBody(std::string_view request_json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(request_json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS)
    return InvalidArgumentError("request body is not valid JSON");
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS)
    return InvalidArgumentError("request body must be a JSON object");

  StreamBody result;
  std::string& out = result.json;
  out.reserve(request_json.size() + 64);
  out.push_back('{');
  std::string options = "{";
  for (auto field : object) {
    if (field.key == "stream") continue;
    if (field.key == "stream_options") {
      simdjson::dom::object so;
      if (field.value.get_object().get(so) != simdjson::SUCCESS) continue;
      for (auto option : so) {
        if (option.key == "include_usage") {
          bool asked = false;
          result.caller_wants_usage = option.value.get_bool().get(asked) == simdjson::SUCCESS && asked;
          continue;
        }
        if (options.size() > 1) options.push_back(',');
        AppendJsonString(option.key, &options);
        options.push_back(':');
        options += simdjson::minify(option.value);
      }
      continue;
    }
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(field.key, &out);
    out.push_back(':');
    out += simdjson::minify(field.value);
  }
  if (options.size() > 1) options.push_back(',');
  options += "\"include_usage\":true}";
  if (out.size() > 1) out.push_back(',');
  out += "\"stream\":true,\"stream_options\":";
  out += options;
  out.push_back('}');
  return result;
}

bool RequestsStream(std::string_view request_json) {
  // Called on every chat call, cache hits included: a body that never names the field
  // (nearly all of them) is answered without a parse. A key spelled with \\u escapes is
  // not recognized; no client writes one.
  if (request_json.find("\"stream\"") == std::string_view::npos) return false;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(request_json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return false;
  bool stream = false;
  return root["stream"].get_bool().get(stream) == simdjson::SUCCESS && stream;
}

}  // namespace llmgate::internal
