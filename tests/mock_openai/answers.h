// The mock's deterministic model: how many tokens a prompt counts and what the answer is.
// Both are simple on purpose so a test can compute the expected usage by hand:
//
//   prompt tokens = sum over messages of (4 + ceil(bytes(text) / 4))
//   answer        = "Echo: " + the first 40 bytes of the last user message, one token per
//                   word, cut to max_tokens words (finish_reason "length" when cut)
//
// A request with tools whose last message is a user message containing "call tool"
// gets a call of the first tool instead; its arguments count ceil(bytes / 4) tokens.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_ANSWERS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_ANSWERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "requests.h"

namespace llmgate::mock {

// ceil(bytes / 4).
int64_t TextTokens(std::string_view text);

int64_t PromptTokens(const std::vector<Message>& messages);

struct Answer {
  // The answer text split into its tokens: each piece is one completion token and one
  // streamed content chunk ("Echo:", " hello", " world").
  std::vector<std::string> pieces;
  std::string finish_reason;  // "stop", "length" or "tool_calls"
  int64_t completion_tokens = 0;

  bool tool_call = false;
  std::string tool_name;
  std::string tool_arguments;  // JSON text

  std::string Text() const;
};

// The answer to `messages` within `max_tokens` completion tokens. Tools are only called
// when `tools` is not empty.
Answer MakeAnswer(const std::vector<Message>& messages, const std::vector<ToolSpec>& tools, int64_t max_tokens);

// Splits `text` into streaming pieces of at most `size` bytes without cutting a UTF-8
// character.
std::vector<std::string> SplitForStreaming(std::string_view text, size_t size);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_ANSWERS_H_
