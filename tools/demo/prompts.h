// The prompts the demo's users ask: a support assistant's chat requests, drawn so that a
// few questions are asked again and again and most are rare (a Zipf-like law, as real
// traffic is), which is what makes a shared cache pay.
#ifndef LLMGATE_TOOLS_DEMO_PROMPTS_H_
#define LLMGATE_TOOLS_DEMO_PROMPTS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace llmgate::demo {

inline constexpr int kDistinctPrompts = 5000;

class PromptSource {
 public:
  // `distinct` prompts; prompt of rank r is drawn with probability proportional to 1/r^exponent.
  explicit PromptSource(int distinct = kDistinctPrompts, double exponent = 1.0);

  // A prompt number, popular ones more often.
  int Draw(std::mt19937_64& rng) const;

  // The chat completion request of prompt `n` (a system prompt and one user question).
  static std::string Request(int n);

 private:
  std::vector<double> cumulative_;  // cumulative probabilities by rank
};

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_PROMPTS_H_
