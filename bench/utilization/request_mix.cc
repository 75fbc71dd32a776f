#include "utilization/request_mix.h"

namespace llmgate::bench {
namespace {

// Plain lower-case words only: nothing in a message needs JSON escaping.
constexpr const char* kWords[] = {"the",     "order",   "arrived", "late",    "but",      "support",
                                  "was",     "helpful", "and",     "quick",   "please",   "check",
                                  "invoice", "number",  "for",     "march",   "delivery", "address",
                                  "changed", "twice",   "price",   "seems",   "higher",   "than",
                                  "last",    "month",   "thanks",  "a",       "lot",      "report"};
constexpr int kWordCount = sizeof(kWords) / sizeof(kWords[0]);

constexpr const char* kClassifySystem =
    "Classify the sentiment of the message as positive, negative or neutral. Answer with one word.";
constexpr const char* kChatSystem = "You are a concise support assistant for an online shop.";
constexpr const char* kSummarySystem = "Summarize the customer's report in two sentences.";

}  // namespace

int64_t MockMessageTokens(const std::string& text) { return 4 + (static_cast<int64_t>(text.size()) + 3) / 4; }

RequestMix::RequestMix(uint64_t seed, int process, int thread)
    : state_(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(process) * 1000003ull +
             static_cast<uint64_t>(thread) * 7919ull),
      process_(process),
      thread_(thread) {}

uint64_t RequestMix::NextRandom() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t RequestMix::Uniform(int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(NextRandom() % static_cast<uint64_t>(hi - lo + 1));
}

std::string RequestMix::Text(const std::string& prefix, int64_t bytes) {
  std::string text = prefix;
  while (static_cast<int64_t>(text.size()) < bytes) {
    text += ' ';
    text += kWords[Uniform(0, kWordCount - 1)];
  }
  return text;
}

ChatCall RequestMix::Next() {
  // The prefix makes the request unique and is the start of the mock's echoed answer
  // (its first 40 bytes), so answers are ~8-10 words: shorter than most max_tokens, as
  // real answers often are.
  const std::string prefix =
      "[p" + std::to_string(process_) + " t" + std::to_string(thread_) + " #" + std::to_string(sequence_++) + "]";
  const char* system;
  std::string user;
  int64_t max_tokens;
  const int64_t kind = Uniform(0, 99);
  if (kind < 35) {  // classification: short, answer cut at max_tokens
    system = kClassifySystem;
    user = Text(prefix, Uniform(40, 100));
    max_tokens = 2;
  } else if (kind < 93) {  // chat turn
    system = kChatSystem;
    user = Text(prefix, Uniform(40, 120));
    max_tokens = Uniform(0, 1) ? 16 : 32;
  } else {  // summary of a long report: one large request among many small ones
    system = kSummarySystem;
    user = Text(prefix, Uniform(400, 800));
    max_tokens = 64;
  }
  ChatCall call;
  call.body = std::string(R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":")") + system +
              R"("},{"role":"user","content":")" + user + R"("}],"max_tokens":)" + std::to_string(max_tokens) + "}";
  call.server_cost = MockMessageTokens(system) + MockMessageTokens(user) + max_tokens;
  return call;
}

}  // namespace llmgate::bench
