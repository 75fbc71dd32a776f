// API request bodies reduced to what the mock needs to answer and to count tokens.
// Parsing is strict about what it reads (types, ranges) and ignores other fields, like the
// real API does for options the mock has no use for (temperature, seed, ...).
#ifndef LLMGATE_TESTS_MOCK_OPENAI_REQUESTS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_REQUESTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgate::mock {

struct Message {
  std::string role;
  // The text of the content (a string, or the text parts of a list joined), plus the names
  // and arguments of any tool calls: everything the token heuristic counts.
  std::string text;
};

struct ToolSpec {
  std::string name;
  // Parameter names and JSON types from the function's schema, in schema order.
  std::vector<std::pair<std::string, std::string>> parameters;
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;
  std::optional<int64_t> max_tokens;  // max_completion_tokens wins over max_tokens
  int64_t n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::vector<ToolSpec> tools;
  bool tool_choice_none = false;
};

struct EmbeddingsRequest {
  std::string model;
  // One item per input; token arrays are kept as their decimal text for hashing.
  std::vector<std::string> inputs;
  std::vector<int64_t> input_tokens;
  int64_t dimensions = 8;
  bool base64 = false;
};

struct ImagesRequest {
  std::string model;
  std::string prompt;
  int64_t n = 1;
  bool b64_json = false;
};

struct ResponsesRequest {
  std::string model;
  std::vector<Message> input;  // `instructions` first, as a system message
  std::optional<int64_t> max_output_tokens;
  bool stream = false;
  std::vector<ToolSpec> tools;
};

// What is wrong with a request, as OpenAI's 400 answer reports it.
struct RequestError {
  std::string message;
  std::string param;  // empty: null
};

// `default_model` fills in a missing "model" (Azure deployments name it in the path).
bool ParseChatRequest(std::string_view body, const std::string& default_model, ChatRequest* out, RequestError* error);
bool ParseEmbeddingsRequest(std::string_view body, const std::string& default_model, EmbeddingsRequest* out,
                            RequestError* error);
bool ParseImagesRequest(std::string_view body, const std::string& default_model, ImagesRequest* out,
                        RequestError* error);
bool ParseResponsesRequest(std::string_view body, const std::string& default_model, ResponsesRequest* out,
                           RequestError* error);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_REQUESTS_H_
