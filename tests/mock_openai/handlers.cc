#include "handlers.h"

#include <cmath>
#include <cstring>
#include <set>

#include "json_writer.h"

namespace llmgate::mock {
namespace {

// A valid 1x1 PNG: enough for a client that decodes what it gets.
constexpr const char kTinyPngBase64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

std::string Base64(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < size; i += 3) {
    uint32_t v = static_cast<uint32_t>(data[i]) << 16;
    if (i + 1 < size) v |= static_cast<uint32_t>(data[i + 1]) << 8;
    if (i + 2 < size) v |= data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < size ? kAlphabet[v & 63] : '=');
  }
  return out;
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A unit vector that depends only on the text: equal inputs embed equally.
std::vector<float> EmbeddingOf(std::string_view text, int64_t dimensions) {
  uint64_t seed = Fnv1a(text);
  std::vector<float> v(static_cast<size_t>(dimensions));
  double norm = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    double x = static_cast<double>(SplitMix64(seed + i) >> 11) / 9007199254740992.0 * 2 - 1;
    v[i] = static_cast<float>(x);
    norm += x * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (float& x : v) x = static_cast<float>(x / norm);
  }
  return v;
}

void WriteChatUsage(int64_t prompt_tokens, int64_t completion_tokens, JsonWriter* w) {
  w->BeginObject()
      .Member("prompt_tokens", prompt_tokens)
      .Member("completion_tokens", completion_tokens)
      .Member("total_tokens", prompt_tokens + completion_tokens)
      .Key("prompt_tokens_details")
      .BeginObject()
      .Member("cached_tokens", 0)
      .EndObject()
      .Key("completion_tokens_details")
      .BeginObject()
      .Member("reasoning_tokens", 0)
      .EndObject()
      .EndObject();
}

std::string CallId(const AnswerIds& ids, int64_t choice) { return "call_" + ids.id + "_" + std::to_string(choice); }

// Opens a chat.completion.chunk and its choices array.
void BeginChunk(const ChatRequest& request, const AnswerIds& ids, JsonWriter* w) {
  w->BeginObject()
      .Member("id", "chatcmpl-" + ids.id)
      .Member("object", "chat.completion.chunk")
      .Member("created", ids.created)
      .Member("model", request.model)
      .Member("system_fingerprint", "fp_mock");
  // With include_usage every chunk carries "usage": null except the last, as OpenAI does.
  if (request.include_usage) w->Key("usage").Null();
  w->Key("choices").BeginArray();
}

std::string EndChunk(JsonWriter* w) {
  w->EndArray().EndObject();
  return "data: " + w->Take() + "\n\n";
}

void BeginChoice(int64_t index, JsonWriter* w) {
  w->BeginObject().Member("index", index).Key("logprobs").Null().Key("delta").BeginObject();
}

void EndChoice(const char* finish_reason, JsonWriter* w) {
  w->EndObject().Key("finish_reason");
  finish_reason ? w->String(finish_reason) : w->Null();
  w->EndObject();
}

}  // namespace

std::string ChatCompletionJson(const ChatRequest& request, const Answer& answer, int64_t prompt_tokens,
                               const AnswerIds& ids) {
  JsonWriter w;
  w.BeginObject()
      .Member("id", "chatcmpl-" + ids.id)
      .Member("object", "chat.completion")
      .Member("created", ids.created)
      .Member("model", request.model)
      .Key("choices")
      .BeginArray();
  std::string text = answer.Text();
  for (int64_t i = 0; i < request.n; ++i) {
    w.BeginObject().Member("index", i).Key("message").BeginObject().Member("role", "assistant");
    if (answer.tool_call) {
      w.Key("content").Null();
      w.Key("tool_calls").BeginArray().BeginObject();
      w.Member("id", CallId(ids, i)).Member("type", "function");
      w.Key("function").BeginObject().Member("name", answer.tool_name).Member("arguments", answer.tool_arguments);
      w.EndObject().EndObject().EndArray();
    } else {
      w.Member("content", text);
    }
    w.Key("refusal").Null().EndObject();
    w.Key("logprobs").Null().Member("finish_reason", answer.finish_reason).EndObject();
  }
  w.EndArray();
  w.Key("usage");
  WriteChatUsage(prompt_tokens, answer.completion_tokens * request.n, &w);
  w.Member("system_fingerprint", "fp_mock");
  w.EndObject();
  return w.Take();
}

std::vector<std::string> ChatCompletionEvents(const ChatRequest& request, const Answer& answer, int64_t prompt_tokens,
                                              const AnswerIds& ids) {
  std::vector<std::string> events;
  for (int64_t i = 0; i < request.n; ++i) {
    JsonWriter w;
    BeginChunk(request, ids, &w);
    BeginChoice(i, &w);
    w.Member("role", "assistant");
    if (answer.tool_call) {
      w.Key("content").Null();
      w.Key("tool_calls").BeginArray().BeginObject().Member("index", 0).Member("id", CallId(ids, i));
      w.Member("type", "function").Key("function").BeginObject().Member("name", answer.tool_name);
      w.Member("arguments", "").EndObject().EndObject().EndArray();
    } else {
      w.Member("content", "");
    }
    w.Key("refusal").Null();
    EndChoice(nullptr, &w);
    events.push_back(EndChunk(&w));

    for (const std::string& piece : answer.pieces) {
      BeginChunk(request, ids, &w);
      BeginChoice(i, &w);
      if (answer.tool_call) {
        w.Key("tool_calls").BeginArray().BeginObject().Member("index", 0);
        w.Key("function").BeginObject().Member("arguments", piece).EndObject().EndObject().EndArray();
      } else {
        w.Member("content", piece);
      }
      EndChoice(nullptr, &w);
      events.push_back(EndChunk(&w));
    }

    BeginChunk(request, ids, &w);
    BeginChoice(i, &w);
    EndChoice(answer.finish_reason.c_str(), &w);
    events.push_back(EndChunk(&w));
  }
  if (request.include_usage) {
    JsonWriter w;
    w.BeginObject()
        .Member("id", "chatcmpl-" + ids.id)
        .Member("object", "chat.completion.chunk")
        .Member("created", ids.created)
        .Member("model", request.model)
        .Member("system_fingerprint", "fp_mock")
        .Key("choices")
        .BeginArray()
        .EndArray()
        .Key("usage");
    WriteChatUsage(prompt_tokens, answer.completion_tokens * request.n, &w);
    w.EndObject();
    events.push_back("data: " + w.Take() + "\n\n");
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::string EmbeddingsJson(const EmbeddingsRequest& request, int64_t* prompt_tokens) {
  JsonWriter w;
  w.BeginObject().Member("object", "list").Key("data").BeginArray();
  *prompt_tokens = 0;
  for (size_t i = 0; i < request.inputs.size(); ++i) {
    *prompt_tokens += request.input_tokens[i];
    std::vector<float> v = EmbeddingOf(request.inputs[i], request.dimensions);
    w.BeginObject().Member("object", "embedding").Member("index", static_cast<int64_t>(i)).Key("embedding");
    if (request.base64) {
      // OpenAI's base64 format: the float32 values, little-endian (as on every host we run).
      std::string bytes(v.size() * sizeof(float), '\0');
      std::memcpy(bytes.data(), v.data(), bytes.size());
      w.String(Base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()));
    } else {
      w.BeginArray();
      for (float x : v) w.Double(x);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray().Member("model", request.model);
  w.Key("usage").BeginObject().Member("prompt_tokens", *prompt_tokens).Member("total_tokens", *prompt_tokens);
  w.EndObject().EndObject();
  return w.Take();
}

std::string ImagesJson(const ImagesRequest& request, const AnswerIds& ids) {
  JsonWriter w;
  w.BeginObject().Member("created", ids.created).Key("data").BeginArray();
  for (int64_t i = 0; i < request.n; ++i) {
    w.BeginObject();
    if (request.b64_json) {
      w.Member("b64_json", kTinyPngBase64);
    } else {
      w.Member("url", "https://mock-openai.invalid/images/img-" + ids.id + "-" + std::to_string(i) + ".png");
    }
    w.Member("revised_prompt", request.prompt).EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

std::string ResponsesJson(const ResponsesRequest& request, const Answer& answer, int64_t input_tokens,
                          const AnswerIds& ids) {
  bool incomplete = answer.finish_reason == "length";
  std::string text = answer.Text();
  JsonWriter w;
  w.BeginObject()
      .Member("id", "resp_" + ids.id)
      .Member("object", "response")
      .Member("created_at", ids.created)
      .Member("status", incomplete ? "incomplete" : "completed")
      .Key("error")
      .Null()
      .Key("incomplete_details");
  if (incomplete) {
    w.BeginObject().Member("reason", "max_output_tokens").EndObject();
  } else {
    w.Null();
  }
  w.Member("model", request.model).Key("output").BeginArray().BeginObject();
  if (answer.tool_call) {
    w.Member("type", "function_call")
        .Member("id", "fc_" + ids.id)
        .Member("call_id", CallId(ids, 0))
        .Member("name", answer.tool_name)
        .Member("arguments", answer.tool_arguments)
        .Member("status", "completed");
  } else {
    w.Member("type", "message")
        .Member("id", "msg_" + ids.id)
        .Member("status", incomplete ? "incomplete" : "completed")
        .Member("role", "assistant")
        .Key("content")
        .BeginArray()
        .BeginObject()
        .Member("type", "output_text")
        .Member("text", text)
        .Key("annotations")
        .BeginArray()
        .EndArray()
        .EndObject()
        .EndArray();
  }
  w.EndObject().EndArray();
  w.Member("output_text", answer.tool_call ? std::string() : text);
  w.Key("usage")
      .BeginObject()
      .Member("input_tokens", input_tokens)
      .Key("input_tokens_details")
      .BeginObject()
      .Member("cached_tokens", 0)
      .EndObject()
      .Member("output_tokens", answer.completion_tokens)
      .Key("output_tokens_details")
      .BeginObject()
      .Member("reasoning_tokens", 0)
      .EndObject()
      .Member("total_tokens", input_tokens + answer.completion_tokens)
      .EndObject();
  w.EndObject();
  return w.Take();
}

std::string ModelsJson(const std::vector<std::string>& extra_models, int64_t created) {
  std::set<std::string> models = {"gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "text-embedding-3-small", "dall-e-3"};
  models.insert(extra_models.begin(), extra_models.end());
  JsonWriter w;
  w.BeginObject().Member("object", "list").Key("data").BeginArray();
  for (const std::string& m : models) {
    w.BeginObject().Member("id", m).Member("object", "model").Member("created", created);
    w.Member("owned_by", "system").EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace llmgate::mock
