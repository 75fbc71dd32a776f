#include "cli/chat_json.h"

#include <simdjson.h>

#include "util/json_writer.h"

namespace llmgate::cli {
namespace {

using internal::JsonWriter;

// choices[0].<object>.content, read with simdjson's on-demand API. Chunks arrive one at a
// time from one thread, so one parser is reused.
std::string FirstChoiceContent(std::string_view json, const char* object) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return "";
  simdjson::ondemand::array choices;
  if (doc["choices"].get_array().get(choices) != simdjson::SUCCESS) return "";
  for (auto choice : choices) {
    simdjson::ondemand::object first;
    if (choice.get_object().get(first) != simdjson::SUCCESS) return "";
    simdjson::ondemand::object part;
    if (first[object].get_object().get(part) != simdjson::SUCCESS) return "";
    std::string_view content;
    if (part["content"].get_string().get(content) != simdjson::SUCCESS) return "";  // null or missing
    return std::string(content);
  }
  return "";  // "choices": [] (the usage chunk)
}

}  // namespace

std::string ChatRequestJson(const ChatRequest& r) {
  JsonWriter w;
  w.BeginObject().Field("model", r.model).Key("messages").BeginArray();
  if (!r.system.empty()) w.BeginObject().Field("role", "system").Field("content", r.system).EndObject();
  w.BeginObject().Field("role", "user").Field("content", r.prompt).EndObject();
  w.EndArray();
  if (r.max_tokens) w.Field("max_tokens", *r.max_tokens);
  w.EndObject();
  return w.Take();
}

std::string DeltaContent(std::string_view chunk_json) { return FirstChoiceContent(chunk_json, "delta"); }

std::string MessageContent(std::string_view completion_json) {
  return FirstChoiceContent(completion_json, "message");
}

}  // namespace llmgate::cli
