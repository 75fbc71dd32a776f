#include "demo/prompts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llmgate::demo {

PromptSource::PromptSource(int distinct, double exponent) {
  cumulative_.reserve(static_cast<size_t>(distinct));
  double sum = 0;
  for (int r = 1; r <= distinct; ++r) {
    sum += 1.0 / std::pow(r, exponent);
    cumulative_.push_back(sum);
  }
  for (double& c : cumulative_) c /= sum;
}

int PromptSource::Draw(std::mt19937_64& rng) const {
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), u);
  return static_cast<int>(std::min<std::ptrdiff_t>(it - cumulative_.begin(),
                                                   static_cast<std::ptrdiff_t>(cumulative_.size()) - 1));
}

std::string PromptSource::Request(int n) {
  // Five kinds of question about many orders, accounts and items; rank n maps to a kind and
  // a number, so the popular prompts are of every kind.
  static const char* const kQuestions[] = {
      "Where is my order #%d? The tracking page has not changed for three days.",
      "How do I reset the password of account %d? The reset email never arrives.",
      "Can I still return item %d? I bought it five weeks ago and kept the box.",
      "Summarize support ticket %d in one sentence for the weekly report.",
      "Translate the description of product %d into French, keeping it short.",
  };
  char question[160];
  std::snprintf(question, sizeof question, kQuestions[n % 5], 1000 + n / 5);
  return std::string(R"({"model":"gpt-4o-mini","max_tokens":16,"temperature":0,"messages":[)") +
         R"({"role":"system","content":"You are the support assistant of an online bookshop. Answer in one or two )"
         R"(short sentences, politely, and never invent order data."},)" +
         R"({"role":"user","content":")" + question + R"("}]})";
}

}  // namespace llmgate::demo
