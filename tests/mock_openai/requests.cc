#include "requests.h"

#include <simdjson.h>

namespace llmgate::mock {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr const char kNotJson[] =
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
    "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
    "have trouble figuring out how to fix this, please contact us through our help center at "
    "help.openai.com.)";

bool Fail(RequestError* error, std::string message, std::string param) {
  error->message = std::move(message);
  error->param = std::move(param);
  return false;
}

const char* TypeName(element e) {
  switch (e.type()) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

bool WrongType(element e, const std::string& param, const char* expected, RequestError* error) {
  return Fail(error,
              "Invalid type for '" + param + "': expected " + expected + ", but got " + TypeName(e) + " instead.",
              param);
}

// Parses the body into `root`, which must be an object. The parser is per thread: the
// server answers on a pool of threads, and a parser keeps its buffers between requests.
bool ParseRoot(std::string_view body, object* root, RequestError* error) {
  thread_local simdjson::dom::parser parser;
  element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != SUCCESS || doc.get_object().get(*root) != SUCCESS) {
    return Fail(error, kNotJson, "");
  }
  return true;
}

// An optional integer field in [min, max]; absent or null leaves `*out` alone.
bool OptionalInt(object obj, const char* name, int64_t min, int64_t max, std::optional<int64_t>* out,
                 RequestError* error) {
  element e;
  if (obj[name].get(e) != SUCCESS || e.is_null()) return true;
  int64_t v;
  if (e.get_int64().get(v) != SUCCESS) return WrongType(e, name, "an integer", error);
  if (v < min) {
    return Fail(error,
                "Invalid '" + std::string(name) + "': integer below minimum value. Expected a value >= " +
                    std::to_string(min) + ", but got " + std::to_string(v) + " instead.",
                name);
  }
  if (v > max) {
    return Fail(error,
                "Invalid '" + std::string(name) + "': integer above maximum value. Expected a value <= " +
                    std::to_string(max) + ", but got " + std::to_string(v) + " instead.",
                name);
  }
  *out = v;
  return true;
}

bool OptionalBool(object obj, const char* name, bool* out, RequestError* error) {
  element e;
  if (obj[name].get(e) != SUCCESS || e.is_null()) return true;
  if (e.get_bool().get(*out) != SUCCESS) return WrongType(e, name, "a boolean", error);
  return true;
}

bool OptionalString(object obj, const char* name, std::string* out, RequestError* error) {
  element e;
  if (obj[name].get(e) != SUCCESS || e.is_null()) return true;
  std::string_view v;
  if (e.get_string().get(v) != SUCCESS) return WrongType(e, name, "a string", error);
  out->assign(v);
  return true;
}

bool Model(object obj, const std::string& default_model, std::string* out, RequestError* error) {
  if (!OptionalString(obj, "model", out, error)) return false;
  if (out->empty()) *out = default_model;
  if (out->empty()) return Fail(error, "you must provide a model parameter", "");
  return true;
}

// Appends the text of a message content: a string, or a list of parts whose text fields
// count (input images and audio are not counted by the mock's heuristic).
bool AppendContent(element content, const std::string& param, std::string* text, RequestError* error) {
  std::string_view s;
  if (content.is_null()) return true;
  if (content.get_string().get(s) == SUCCESS) {
    text->append(s);
    return true;
  }
  array parts;
  if (content.get_array().get(parts) != SUCCESS) return WrongType(content, param, "a string or an array", error);
  for (element part : parts) {
    std::string_view part_text;
    if (part.get_string().get(part_text) == SUCCESS || part["text"].get_string().get(part_text) == SUCCESS) {
      text->append(part_text);
    }
  }
  return true;
}

bool ParseMessage(element e, const std::string& param, Message* out, RequestError* error) {
  object m;
  if (e.get_object().get(m) != SUCCESS) return WrongType(e, param, "an object", error);
  std::string_view role;
  if (m["role"].get_string().get(role) != SUCCESS) {
    return Fail(error, "Missing required parameter: '" + param + ".role'.", param + ".role");
  }
  out->role.assign(role);
  if (element content; m["content"].get(content) == SUCCESS) {
    if (!AppendContent(content, param + ".content", &out->text, error)) return false;
  }
  if (array calls; m["tool_calls"].get_array().get(calls) == SUCCESS) {
    for (element call : calls) {
      std::string_view name, arguments;
      if (call["function"]["name"].get_string().get(name) == SUCCESS) out->text.append(name);
      if (call["function"]["arguments"].get_string().get(arguments) == SUCCESS) out->text.append(arguments);
    }
  }
  return true;
}

bool ParseTools(object obj, std::vector<ToolSpec>* tools, RequestError* error) {
  element e;
  if (obj["tools"].get(e) != SUCCESS || e.is_null()) return true;
  array list;
  if (e.get_array().get(list) != SUCCESS) return WrongType(e, "tools", "an array", error);
  for (element tool : list) {
    ToolSpec spec;
    std::string_view type;
    // Built-in tools (web_search, file_search, ...) are never called by the mock.
    if (tool["type"].get_string().get(type) == SUCCESS && type != "function") continue;
    std::string_view name;
    if (tool["function"]["name"].get_string().get(name) != SUCCESS) {
      // The Responses API flattens the function into the tool.
      if (tool["name"].get_string().get(name) != SUCCESS) {
        return Fail(error, "Missing required parameter: 'tools[].function.name'.", "tools");
      }
    }
    spec.name.assign(name);
    object properties;
    if (tool["function"]["parameters"]["properties"].get_object().get(properties) == SUCCESS ||
        tool["parameters"]["properties"].get_object().get(properties) == SUCCESS) {
      for (auto [prop, schema] : properties) {
        std::string_view type;
        if (schema["type"].get_string().get(type) != SUCCESS) type = "string";
        spec.parameters.emplace_back(std::string(prop), std::string(type));
      }
    }
    tools->push_back(std::move(spec));
  }
  return true;
}

}  // namespace

bool ParseChatRequest(std::string_view body, const std::string& default_model, ChatRequest* out, RequestError* error) {
  object obj;
  if (!ParseRoot(body, &obj, error)) return false;
  if (!Model(obj, default_model, &out->model, error)) return false;

  element messages;
  if (obj["messages"].get(messages) != SUCCESS) {
    return Fail(error, "Missing required parameter: 'messages'.", "messages");
  }
  array list;
  if (messages.get_array().get(list) != SUCCESS) return WrongType(messages, "messages", "an array", error);
  size_t i = 0;
  for (element m : list) {
    Message parsed;
    if (!ParseMessage(m, "messages[" + std::to_string(i++) + "]", &parsed, error)) return false;
    out->messages.push_back(std::move(parsed));
  }
  if (out->messages.empty()) {
    return Fail(error,
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty "
                "array instead.",
                "messages");
  }

  if (!OptionalInt(obj, "max_tokens", 1, 1 << 30, &out->max_tokens, error)) return false;
  if (!OptionalInt(obj, "max_completion_tokens", 1, 1 << 30, &out->max_tokens, error)) return false;
  std::optional<int64_t> n;
  if (!OptionalInt(obj, "n", 1, 128, &n, error)) return false;
  out->n = n.value_or(1);
  if (!OptionalBool(obj, "stream", &out->stream, error)) return false;
  if (object options; obj["stream_options"].get_object().get(options) == SUCCESS) {
    if (!OptionalBool(options, "include_usage", &out->include_usage, error)) return false;
  }
  if (!ParseTools(obj, &out->tools, error)) return false;
  std::string_view choice;
  out->tool_choice_none = obj["tool_choice"].get_string().get(choice) == SUCCESS && choice == "none";
  return true;
}

bool ParseEmbeddingsRequest(std::string_view body, const std::string& default_model, EmbeddingsRequest* out,
                            RequestError* error) {
  object obj;
  if (!ParseRoot(body, &obj, error)) return false;
  if (!Model(obj, default_model, &out->model, error)) return false;
  element input;
  if (obj["input"].get(input) != SUCCESS) return Fail(error, "Missing required parameter: 'input'.", "input");

  // Text counts ceil(bytes / 4) tokens; a token array counts its length.
  auto add_text = [out](std::string_view s) {
    out->inputs.emplace_back(s);
    out->input_tokens.push_back(static_cast<int64_t>((s.size() + 3) / 4));
  };
  auto add_tokens = [out](array tokens) {
    std::string text;
    int64_t count = 0;
    for (element t : tokens) {
      int64_t v;
      if (t.get_int64().get(v) != SUCCESS) v = 0;
      text += std::to_string(v) + " ";
      ++count;
    }
    out->inputs.push_back(std::move(text));
    out->input_tokens.push_back(count);
  };

  std::string_view s;
  array list;
  if (input.get_string().get(s) == SUCCESS) {
    add_text(s);
  } else if (input.get_array().get(list) == SUCCESS) {
    element first;
    bool token_list = list.at(0).get(first) == SUCCESS && first.is_int64();
    if (token_list) {
      add_tokens(list);
    } else {
      for (element item : list) {
        array tokens;
        if (item.get_string().get(s) == SUCCESS) {
          add_text(s);
        } else if (item.get_array().get(tokens) == SUCCESS) {
          add_tokens(tokens);
        } else {
          return WrongType(item, "input", "a string or an array of integers", error);
        }
      }
    }
  } else {
    return WrongType(input, "input", "a string or an array", error);
  }
  if (out->inputs.empty()) return Fail(error, "'input' : input must be a non-empty array", "input");

  std::optional<int64_t> dimensions;
  if (!OptionalInt(obj, "dimensions", 1, 4096, &dimensions, error)) return false;
  out->dimensions = dimensions.value_or(8);
  std::string format;
  if (!OptionalString(obj, "encoding_format", &format, error)) return false;
  out->base64 = format == "base64";
  return true;
}

bool ParseImagesRequest(std::string_view body, const std::string& default_model, ImagesRequest* out,
                        RequestError* error) {
  object obj;
  if (!ParseRoot(body, &obj, error)) return false;
  std::string model = default_model.empty() ? "dall-e-2" : default_model;
  if (!Model(obj, model, &out->model, error)) return false;
  if (!OptionalString(obj, "prompt", &out->prompt, error)) return false;
  if (out->prompt.empty()) return Fail(error, "Missing required parameter: 'prompt'.", "prompt");
  std::optional<int64_t> n;
  if (!OptionalInt(obj, "n", 1, 10, &n, error)) return false;
  out->n = n.value_or(1);
  std::string format;
  if (!OptionalString(obj, "response_format", &format, error)) return false;
  out->b64_json = format == "b64_json";
  return true;
}

bool ParseResponsesRequest(std::string_view body, const std::string& default_model, ResponsesRequest* out,
                           RequestError* error) {
  object obj;
  if (!ParseRoot(body, &obj, error)) return false;
  if (!Model(obj, default_model, &out->model, error)) return false;

  std::string instructions;
  if (!OptionalString(obj, "instructions", &instructions, error)) return false;
  if (!instructions.empty()) out->input.push_back(Message{"system", instructions});

  element input;
  if (obj["input"].get(input) != SUCCESS) return Fail(error, "Missing required parameter: 'input'.", "input");
  std::string_view s;
  array items;
  if (input.get_string().get(s) == SUCCESS) {
    out->input.push_back(Message{"user", std::string(s)});
  } else if (input.get_array().get(items) == SUCCESS) {
    size_t i = 0;
    for (element item : items) {
      std::string param = "input[" + std::to_string(i++) + "]";
      std::string_view type;
      if (item["type"].get_string().get(type) == SUCCESS && type == "function_call_output") {
        Message m{"tool", ""};
        if (element output; item["output"].get(output) == SUCCESS) {
          if (!AppendContent(output, param + ".output", &m.text, error)) return false;
        }
        out->input.push_back(std::move(m));
        continue;
      }
      Message m;
      if (!ParseMessage(item, param, &m, error)) return false;
      out->input.push_back(std::move(m));
    }
  } else {
    return WrongType(input, "input", "a string or an array", error);
  }
  if (!OptionalInt(obj, "max_output_tokens", 1, 1 << 30, &out->max_output_tokens, error)) return false;
  if (!OptionalBool(obj, "stream", &out->stream, error)) return false;
  if (!ParseTools(obj, &out->tools, error)) return false;
  return true;
}

}  // namespace llmgate::mock
