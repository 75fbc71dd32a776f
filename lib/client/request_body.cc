#include "client/request_body.h"

#include <simdjson.h>

#include <cstring>

#include "util/json_parser.h"
#include "util/json_writer.h"

namespace llmgate::internal {

Result<StreamBody> MakeStreamBody(std::string_view request_json) {
  JsonParserLease parser(request_json.size());
  simdjson::dom::element root;
  if (parser.get().parse(request_json.data(), request_json.size()).get(root) != simdjson::SUCCESS)
    return InvalidArgumentError("request body is not valid JSON");
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS)
    return InvalidArgumentError("request body must be a JSON object");

  StreamBody result;
  JsonWriter out;
  JsonWriter options;  // stream_options, written last with include_usage added
  out.BeginObject();
  options.BeginObject();
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
        options.Key(option.key).Raw(simdjson::minify(option.value));
      }
      continue;
    }
    out.Key(field.key).Raw(simdjson::minify(field.value));
  }
  options.Key("include_usage").Bool(true).EndObject();
  out.Key("stream").Bool(true).Key("stream_options").Raw(options.str()).EndObject();
  result.json = out.Take();
  return result;
}

bool RequestsStream(std::string_view request_json) {
  // Called on every chat call, cache hits included: a body that never names the field
  // (nearly all of them) is answered without a parse. A key spelled with \\u escapes is
  // not recognized; no client writes one.
  // memmem, not string_view::find: find stops at every '"' (memchr for the first byte), and
  // JSON has one every few bytes.
  constexpr std::string_view kKey = "\"stream\"";
  if (memmem(request_json.data(), request_json.size(), kKey.data(), kKey.size()) == nullptr) return false;
  // Bodies that say "stream": false on every call (some client libraries do) reuse a parser.
  JsonParserLease parser(request_json.size());
  simdjson::dom::element root;
  if (parser.get().parse(request_json.data(), request_json.size()).get(root) != simdjson::SUCCESS) return false;
  bool stream = false;
  return root["stream"].get_bool().get(stream) == simdjson::SUCCESS && stream;
}

}  // namespace llmgate::internal
