#include "http/error_body.h"

#include <simdjson.h>

#include "util/json_parser.h"

namespace llmgate::internal {
namespace {

std::string_view TrimSpace(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A field as text: strings as they are, numbers and booleans as JSON, null/absent as "".
std::string FieldText(simdjson::dom::object obj, std::string_view key, size_t max_bytes) {
  simdjson::dom::element v;
  if (obj[key].get(v) != simdjson::SUCCESS || v.is_null()) return {};
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) return std::string(TruncateUtf8(s, max_bytes));
  if (v.is_number() || v.is_bool()) return simdjson::minify(v);
  return {};
}

void FillFromObject(simdjson::dom::object obj, ApiError* e) {
  e->structured = true;
  e->message = FieldText(obj, "message", kMaxErrorMessageBytes);
  // Codes, types and params are short identifiers; the cap only guards against abuse.
  e->type = FieldText(obj, "type", 256);
  e->param = FieldText(obj, "param", 256);
  e->code = FieldText(obj, "code", 256);
}

}  // namespace

std::string_view TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

ApiError ParseErrorBody(std::string_view body) {
  ApiError e;
  JsonParserLease parser(body.size());
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (parser.get().parse(body.data(), body.size()).get(root) == simdjson::SUCCESS &&
      root.get_object().get(obj) == simdjson::SUCCESS) {
    simdjson::dom::element err;
    if (obj["error"].get(err) == simdjson::SUCCESS) {
      simdjson::dom::object err_obj;
      std::string_view text;
      if (err.get_object().get(err_obj) == simdjson::SUCCESS) {
        FillFromObject(err_obj, &e);
        return e;
      }
      if (err.get_string().get(text) == simdjson::SUCCESS) {
        e.structured = true;
        e.message = std::string(TruncateUtf8(text, kMaxErrorMessageBytes));
        return e;
      }
    }
    simdjson::dom::element message;
    if (obj["message"].get(message) == simdjson::SUCCESS) {
      FillFromObject(obj, &e);
      return e;
    }
  }
  e.message = std::string(TruncateUtf8(TrimSpace(body), kMaxErrorMessageBytes));
  // Messages reach logs and language bindings that insist on valid UTF-8; a proxy's error
  // page promises nothing, so bytes outside ASCII become '?' when the text is not UTF-8.
  if (!simdjson::validate_utf8(e.message.data(), e.message.size())) {
    for (char& c : e.message) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return e;
}

}  // namespace llmgate::internal
