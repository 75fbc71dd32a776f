// Builds the bodies of successful API answers. Pure functions of the parsed request, the
// answer and the identifiers the caller assigns, so the same request always gets the same
// answer.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_HANDLERS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_HANDLERS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "answers.h"
#include "requests.h"

namespace llmgate::mock {

// Identifiers of one answer: `id` is a hex serial unique in this server's lifetime.
struct AnswerIds {
  std::string id;
  int64_t created = 0;  // unix seconds
};

std::string ChatCompletionJson(const ChatRequest& request, const Answer& answer, int64_t prompt_tokens,
                               const AnswerIds& ids);

// The SSE events of a streamed chat completion, each a complete "data: ...\n\n" frame:
// per choice a role chunk, content (or tool call argument) chunks and a finish_reason
// chunk; then a usage chunk with no choices when include_usage is set; then [DONE].
std::vector<std::string> ChatCompletionEvents(const ChatRequest& request, const Answer& answer, int64_t prompt_tokens,
                                              const AnswerIds& ids);

// Returns the prompt tokens through `*prompt_tokens`.
std::string EmbeddingsJson(const EmbeddingsRequest& request, int64_t* prompt_tokens);

std::string ImagesJson(const ImagesRequest& request, const AnswerIds& ids);

std::string ResponsesJson(const ResponsesRequest& request, const Answer& answer, int64_t input_tokens,
                          const AnswerIds& ids);

// GET /v1/models: a fixed list plus the models named in the config.
std::string ModelsJson(const std::vector<std::string>& extra_models, int64_t created);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_HANDLERS_H_
