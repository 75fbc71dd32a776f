// OpenAI-style error bodies: {"error":{"message","type","param","code"}}.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_ERRORS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_ERRORS_H_

#include <string>
#include <string_view>

namespace llmgate::mock {

// An empty `param` or `code` is written as null, as OpenAI does.
std::string ErrorBody(std::string_view message, std::string_view type, std::string_view param, std::string_view code);

// The body of an injected 5xx (or other) error status.
std::string ServerErrorBody(int status);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_ERRORS_H_
