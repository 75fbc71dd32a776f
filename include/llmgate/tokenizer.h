// Token counting for quota estimates. Before a call, llmgate reserves the tokens the server
// will charge: prompt tokens plus the completion budget. Without a tokenizer the prompt is
// estimated by a documented heuristic (README: "Token estimates"); plug in an exact one
// (tiktoken's encodings, a model's own tokenizer) to reserve exactly what the server counts.
#ifndef LLMGATE_TOKENIZER_H_
#define LLMGATE_TOKENIZER_H_

#include <cstdint>
#include <string_view>

#include "llmgate/export.h"

namespace llmgate {

class LLMGATE_EXPORT Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Tokens of `text` for `model`. Called for each message's text (and each embedding
  // input); llmgate adds the per-message overhead itself. Called from any thread.
  virtual int64_t CountTokens(std::string_view model, std::string_view text) const = 0;
};

}  // namespace llmgate

#endif  // LLMGATE_TOKENIZER_H_
