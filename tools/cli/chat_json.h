// The JSON of `llmgate chat`: the request it sends and the text it prints from the answer.
#ifndef LLMGATE_TOOLS_CLI_CHAT_JSON_H_
#define LLMGATE_TOOLS_CLI_CHAT_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmgate::cli {

struct ChatRequest {
  std::string model = "gpt-4o-mini";
  std::string system;  // "" = no system message
  std::string prompt;
  std::optional<int64_t> max_tokens;
};

// {"model":...,"messages":[{"role":"system",...},{"role":"user",...}],"max_tokens":N}
std::string ChatRequestJson(const ChatRequest& request);

// choices[0].delta.content of a chat.completion.chunk; "" when absent, null or not JSON.
std::string DeltaContent(std::string_view chunk_json);

// choices[0].message.content of a chat.completion; "" when absent, null or not JSON.
std::string MessageContent(std::string_view completion_json);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_CHAT_JSON_H_
