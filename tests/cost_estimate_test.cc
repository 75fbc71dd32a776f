#include "client/cost_estimate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmgate::internal {
namespace {

// One token per byte, so counts differ from the byte heuristic; records what it was asked.
class ByteTokenizer : public Tokenizer {
 public:
  int64_t CountTokens(std::string_view model, std::string_view text) const override {
    models.emplace_back(model);
    texts.emplace_back(text);
    return static_cast<int64_t>(text.size());
  }
  mutable std::vector<std::string> models;
  mutable std::vector<std::string> texts;
};

class NegativeTokenizer : public Tokenizer {
 public:
  int64_t CountTokens(std::string_view, std::string_view) const override { return -5; }
};

CostEstimate Estimate(Endpoint endpoint, std::string_view json, const EstimateConfig& config = {}) {
  Result<CostEstimate> r = EstimateCost(endpoint, json, config);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << " for " << json;
  return r.ok() ? *r : CostEstimate{};
}

// Expects kInvalidArgument with `field` named in the message.
void ExpectInvalid(Endpoint endpoint, std::string_view json, std::string_view field) {
  Result<CostEstimate> r = EstimateCost(endpoint, json, {});
  ASSERT_FALSE(r.ok()) << json;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << json;
  EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().message();
}

TEST(EndpointFromPathTest, KnownPathsWithAndWithoutPrefix) {
  EXPECT_EQ(EndpointFromPath("/chat/completions"), Endpoint::kChatCompletions);
  EXPECT_EQ(EndpointFromPath("/v1/chat/completions"), Endpoint::kChatCompletions);
  EXPECT_EQ(EndpointFromPath("v1/chat/completions/"), Endpoint::kChatCompletions);
  EXPECT_EQ(EndpointFromPath("/chat/completions?api-version=2024"), Endpoint::kChatCompletions);
  EXPECT_EQ(EndpointFromPath("/completions"), Endpoint::kCompletions);
  EXPECT_EQ(EndpointFromPath("/v1/completions"), Endpoint::kCompletions);
  EXPECT_EQ(EndpointFromPath("/v1/embeddings"), Endpoint::kEmbeddings);
  EXPECT_EQ(EndpointFromPath("/images/generations"), Endpoint::kImageGenerations);
  EXPECT_EQ(EndpointFromPath("/v1/responses"), Endpoint::kResponses);
}

TEST(EndpointFromPathTest, OthersAreOther) {
  EXPECT_EQ(EndpointFromPath(""), Endpoint::kOther);
  EXPECT_EQ(EndpointFromPath("/"), Endpoint::kOther);
  EXPECT_EQ(EndpointFromPath("/v1/files"), Endpoint::kOther);
  EXPECT_EQ(EndpointFromPath("/v1/xembeddings"), Endpoint::kOther);
  EXPECT_EQ(EndpointFromPath("/v1/responses/resp_1/cancel"), Endpoint::kOther);
  EXPECT_EQ(EndpointFromPath("/chat/completions/chatcmpl-1"), Endpoint::kOther);
  EXPECT_EQ(EndpointFromPath("/images/edits"), Endpoint::kOther);
}

// ---- chat ------------------------------------------------------------------------------

TEST(ChatEstimateTest, MessagesByHeuristic) {
  // "You are helpful." 16 bytes -> 4, "Hello!" 6 bytes -> 2: 3 + (4+4) + (4+2) = 17.
  CostEstimate e = Estimate(Endpoint::kChatCompletions, R"({"model":"gpt-4o","messages":[
      {"role":"system","content":"You are helpful."},{"role":"user","content":"Hello!"}]})");
  EXPECT_EQ(e.model, "gpt-4o");
  EXPECT_EQ(e.requests, 1);
  EXPECT_EQ(e.prompt_tokens, 17);
  EXPECT_FALSE(e.completion_budget.has_value());
  EXPECT_EQ(e.n, 1);
  EXPECT_EQ(e.completion_reserve, 1024);
  EXPECT_EQ(e.images, 0);
  EXPECT_EQ(e.tokens(), 1041);
}

TEST(ChatEstimateTest, MessageBytesAreRoundedOnce) {
  // content "a" + name "b" = 2 bytes -> ceil(2/4) = 1, not 1 + 1: 3 + 4 + 1.
  CostEstimate e =
      Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":"a","name":"b"}]})");
  EXPECT_EQ(e.model, "");
  EXPECT_EQ(e.prompt_tokens, 8);
}

TEST(ChatEstimateTest, EmptyAndMissingMessages) {
  EXPECT_EQ(Estimate(Endpoint::kChatCompletions, R"({"model":"m"})").prompt_tokens, 3);
  EXPECT_EQ(Estimate(Endpoint::kChatCompletions, R"({"messages":[]})").prompt_tokens, 3);
  // A message with no text still costs its framing: 3 + 4.
  EXPECT_EQ(Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":null}]})").prompt_tokens,
            7);
}

TEST(ChatEstimateTest, ContentPartsAndImages) {
  // Text parts 8 + 4 = 12 bytes -> 3, one image part 85, audio part 0: 3 + 4 + 3 + 85 = 95.
  CostEstimate e = Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":[
      {"type":"text","text":"12345678"},
      {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}},
      {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}},
      {"type":"text","text":"1234"}]}]})");
  EXPECT_EQ(e.prompt_tokens, 95);
}

TEST(ChatEstimateTest, RefusalPartCountsItsText) {
  // "12345" 5 bytes -> 2: 3 + 4 + 2.
  EXPECT_EQ(Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"assistant","content":[
      {"type":"refusal","refusal":"12345"}]}]})")
                .prompt_tokens,
            9);
}

TEST(ChatEstimateTest, ToolCallsCountNamesAndArguments) {
  // Assistant: "get_weather" 11 + {"city":"Paris"} 16 = 27 bytes -> 7 (+4 = 11).
  // Tool: "sunny" 5 -> 2 (+4 = 6). Total 3 + 11 + 6 = 20.
  CostEstimate e = Estimate(Endpoint::kChatCompletions, R"({"messages":[
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
        "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"sunny"}]})");
  EXPECT_EQ(e.prompt_tokens, 20);
}

TEST(ChatEstimateTest, LegacyFunctionCallCounts) {
  // "f" 1 + "{}" 2 = 3 bytes -> 1: 3 + 4 + 1.
  EXPECT_EQ(Estimate(Endpoint::kChatCompletions, R"({"messages":[
      {"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}}]})")
                .prompt_tokens,
            8);
}

TEST(ChatEstimateTest, ToolsCountedByCompactJson) {
  // The compact tools array is 86 bytes -> 22, whatever whitespace the request used.
  // "hi" -> 1: 3 + (4+1) + 22 = 30.
  CostEstimate e = Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":"hi"}],
      "tools": [ {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}} ]})");
  EXPECT_EQ(e.prompt_tokens, 30);
  // The same definitions as legacy "functions" count the same way: compact
  // [{"name":"get_weather","parameters":{"type":"object"}}] is 55 bytes -> 14.
  e = Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":"hi"}],
      "functions":[{"name":"get_weather","parameters":{"type":"object"}}]})");
  EXPECT_EQ(e.prompt_tokens, 3 + 5 + 14);
}

TEST(ChatEstimateTest, BudgetRules) {
  const char* kMsgs = R"("messages":[{"role":"user","content":"hi"}])";  // prompt 8
  CostEstimate e = Estimate(Endpoint::kChatCompletions, std::string("{") + kMsgs + R"(,"max_tokens":100})");
  EXPECT_EQ(e.completion_budget, 100);
  EXPECT_EQ(e.completion_reserve, 100);
  EXPECT_EQ(e.tokens(), 108);

  // max_completion_tokens wins over max_tokens.
  e = Estimate(Endpoint::kChatCompletions,
               std::string("{") + kMsgs + R"(,"max_tokens":100,"max_completion_tokens":50})");
  EXPECT_EQ(e.completion_budget, 50);

  // The budget is per choice.
  e = Estimate(Endpoint::kChatCompletions, std::string("{") + kMsgs + R"(,"max_tokens":100,"n":3})");
  EXPECT_EQ(e.n, 3);
  EXPECT_EQ(e.completion_budget, 300);
  EXPECT_EQ(e.completion_reserve, 300);
  EXPECT_EQ(e.tokens(), 308);

  // No budget: the default per choice.
  e = Estimate(Endpoint::kChatCompletions, std::string("{") + kMsgs + R"(,"n":2})");
  EXPECT_FALSE(e.completion_budget.has_value());
  EXPECT_EQ(e.completion_reserve, 2048);
  EXPECT_EQ(Estimate(Endpoint::kChatCompletions, std::string("{") + kMsgs + R"(,"n":2})",
                     EstimateConfig{nullptr, 500})
                .completion_reserve,
            1000);

  // A zero budget is a budget; explicit nulls are absent.
  e = Estimate(Endpoint::kChatCompletions, std::string("{") + kMsgs + R"(,"max_tokens":0})");
  EXPECT_EQ(e.completion_budget, 0);
  EXPECT_EQ(e.completion_reserve, 0);
  e = Estimate(Endpoint::kChatCompletions,
               std::string("{") + kMsgs + R"(,"n":null,"max_completion_tokens":null,"max_tokens":40})");
  EXPECT_EQ(e.n, 1);
  EXPECT_EQ(e.completion_budget, 40);
}

TEST(ChatEstimateTest, InvalidFieldsAreNamed) {
  ExpectInvalid(Endpoint::kChatCompletions, R"({"n":0})", "n must be a positive integer");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"n":-2})", "n must be");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"n":"2"})", "n must be");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"n":1.5})", "n must be");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"max_tokens":-1})", "max_tokens must be a non-negative integer");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"max_completion_tokens":"10"})", "max_completion_tokens");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"model":5})", "model must be a string");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"messages":{}})", "messages must be an array");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"messages":[{"role":"user"},"hi"]})", "messages[1]");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":7}]})",
                "messages[0].content");
  ExpectInvalid(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":["x"]}]})",
                "messages[0].content[0]");
}

TEST(ChatEstimateTest, TokenizerCountsEachPiece) {
  ByteTokenizer tok;
  EstimateConfig config{&tok, 1024};
  // content 5 + name 3 = 8 -> 3 + 4 + 8 = 15; the image part stays 85 -> 3 + 4 + 2 + 85 = 94.
  CostEstimate e = Estimate(Endpoint::kChatCompletions,
                            R"({"model":"m1","messages":[{"role":"user","content":"hello","name":"bob"}]})", config);
  EXPECT_EQ(e.prompt_tokens, 15);
  EXPECT_EQ(tok.texts, (std::vector<std::string>{"hello", "bob"}));
  EXPECT_EQ(tok.models, (std::vector<std::string>{"m1", "m1"}));

  e = Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":[
      {"type":"text","text":"ab"},{"type":"image_url","image_url":{"url":"u"}}]}]})",
               config);
  EXPECT_EQ(e.prompt_tokens, 94);

  // Tools: the compact JSON (86 bytes) goes to the tokenizer: 3 + 4 + 2 + 86.
  e = Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":"hi"}],
      "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})",
               config);
  EXPECT_EQ(e.prompt_tokens, 95);
}

TEST(ChatEstimateTest, NegativeTokenizerCountsAreZero) {
  NegativeTokenizer tok;
  CostEstimate e = Estimate(Endpoint::kChatCompletions, R"({"messages":[{"role":"user","content":"hello"}]})",
                            EstimateConfig{&tok, 10});
  EXPECT_EQ(e.prompt_tokens, 7);
}

TEST(ChatEstimateTest, HugeValuesSaturate) {
  // 2^64 - 1 does not fit int64: taken as INT64_MAX, and tokens() must not overflow.
  CostEstimate e = Estimate(Endpoint::kChatCompletions,
                            R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":18446744073709551615})");
  EXPECT_EQ(e.completion_budget, INT64_MAX);
  EXPECT_EQ(e.tokens(), INT64_MAX);
  e = Estimate(Endpoint::kChatCompletions, R"({"max_tokens":9000000000000000000,"n":9000000000000000000})");
  EXPECT_EQ(e.completion_budget, INT64_MAX);
  EXPECT_EQ(e.tokens(), INT64_MAX);
  e = Estimate(Endpoint::kChatCompletions, R"({"n":9000000000000000000})");
  EXPECT_EQ(e.completion_reserve, INT64_MAX - 3);
}

// ---- legacy completions ----------------------------------------------------------------

TEST(CompletionsEstimateTest, StringPromptAndDefaultBudget) {
  // "Say this is a test" 18 bytes -> 5; max_tokens defaults to 16.
  CostEstimate e =
      Estimate(Endpoint::kCompletions, R"({"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test"})");
  EXPECT_EQ(e.model, "gpt-3.5-turbo-instruct");
  EXPECT_EQ(e.prompt_tokens, 5);
  EXPECT_EQ(e.completion_budget, 16);
  EXPECT_EQ(e.completion_reserve, 16);
  EXPECT_EQ(e.tokens(), 21);
}

TEST(CompletionsEstimateTest, PromptShapes) {
  // Two prompts "abcd" -> 1, "abcdefgh" -> 2; each gets n = 2 completions of 10.
  CostEstimate e = Estimate(Endpoint::kCompletions, R"({"prompt":["abcd","abcdefgh"],"max_tokens":10,"n":2})");
  EXPECT_EQ(e.prompt_tokens, 3);
  EXPECT_EQ(e.n, 2);
  EXPECT_EQ(e.completion_budget, 40);
  // Token ids: one prompt of 3.
  e = Estimate(Endpoint::kCompletions, R"({"prompt":[1,2,3],"max_tokens":10})");
  EXPECT_EQ(e.prompt_tokens, 3);
  EXPECT_EQ(e.completion_budget, 10);
  // Arrays of token ids: two prompts of 2 and 3.
  e = Estimate(Endpoint::kCompletions, R"({"prompt":[[1,2],[3,4,5]],"max_tokens":10})");
  EXPECT_EQ(e.prompt_tokens, 5);
  EXPECT_EQ(e.completion_budget, 20);
  // No prompt: one (empty) prompt.
  e = Estimate(Endpoint::kCompletions, R"({"max_tokens":7})");
  EXPECT_EQ(e.prompt_tokens, 0);
  EXPECT_EQ(e.completion_budget, 7);
}

TEST(CompletionsEstimateTest, BestOfAndSuffix) {
  // best_of 3 candidates of 10 are generated for n = 1; suffix "12345" -> 2, prompt "ab" -> 1.
  CostEstimate e =
      Estimate(Endpoint::kCompletions, R"({"prompt":"ab","suffix":"12345","max_tokens":10,"best_of":3})");
  EXPECT_EQ(e.prompt_tokens, 3);
  EXPECT_EQ(e.n, 1);
  EXPECT_EQ(e.completion_budget, 30);
}

TEST(CompletionsEstimateTest, TokenizerAndErrors) {
  ByteTokenizer tok;
  CostEstimate e = Estimate(Endpoint::kCompletions, R"({"prompt":["abcd","abcdefgh"]})", EstimateConfig{&tok, 0});
  EXPECT_EQ(e.prompt_tokens, 12);
  EXPECT_EQ(e.completion_budget, 32);
  ExpectInvalid(Endpoint::kCompletions, R"({"prompt":5})", "prompt must be");
  ExpectInvalid(Endpoint::kCompletions, R"({"prompt":["a",{}]})", "prompt[1]");
  ExpectInvalid(Endpoint::kCompletions, R"({"prompt":"a","max_tokens":-5})", "max_tokens");
  ExpectInvalid(Endpoint::kCompletions, R"({"prompt":"a","best_of":0})", "best_of");
  ExpectInvalid(Endpoint::kCompletions, R"({"prompt":"a","n":false})", "n must be");
}

// ---- embeddings ------------------------------------------------------------------------

TEST(EmbeddingsEstimateTest, InputShapes) {
  // "hello world" 11 bytes -> 3; no completion is reserved.
  CostEstimate e = Estimate(Endpoint::kEmbeddings, R"({"model":"text-embedding-3-small","input":"hello world"})");
  EXPECT_EQ(e.model, "text-embedding-3-small");
  EXPECT_EQ(e.prompt_tokens, 3);
  EXPECT_FALSE(e.completion_budget.has_value());
  EXPECT_EQ(e.completion_reserve, 0);
  EXPECT_EQ(e.tokens(), 3);
  EXPECT_EQ(e.requests, 1);
  // Each input rounds on its own: "abcd" -> 1, "abcde" -> 2.
  EXPECT_EQ(Estimate(Endpoint::kEmbeddings, R"({"input":["abcd","abcde"]})").prompt_tokens, 3);
  EXPECT_EQ(Estimate(Endpoint::kEmbeddings, R"({"input":[1,2,3,4,5]})").prompt_tokens, 5);
  EXPECT_EQ(Estimate(Endpoint::kEmbeddings, R"({"input":[[1,2],[3]]})").prompt_tokens, 3);
  EXPECT_EQ(Estimate(Endpoint::kEmbeddings, R"({"input":[]})").prompt_tokens, 0);
  // max_tokens means nothing here.
  EXPECT_EQ(Estimate(Endpoint::kEmbeddings, R"({"input":"ab","max_tokens":50})").tokens(), 1);
}

TEST(EmbeddingsEstimateTest, TokenizerAndErrors) {
  ByteTokenizer tok;
  EXPECT_EQ(Estimate(Endpoint::kEmbeddings, R"({"model":"e","input":["abcd","abcde",[1,2]]})", EstimateConfig{&tok})
                .prompt_tokens,
            11);
  EXPECT_EQ(tok.models, (std::vector<std::string>{"e", "e"}));
  ExpectInvalid(Endpoint::kEmbeddings, R"({"input":{}})", "input must be");
  ExpectInvalid(Endpoint::kEmbeddings, R"({"input":["a",true]})", "input[1]");
}

// ---- images ----------------------------------------------------------------------------

TEST(ImagesEstimateTest, CountsImagesAndPrompt) {
  // "a cat" 5 bytes -> 2.
  CostEstimate e = Estimate(Endpoint::kImageGenerations, R"({"model":"dall-e-3","prompt":"a cat"})");
  EXPECT_EQ(e.model, "dall-e-3");
  EXPECT_EQ(e.requests, 1);
  EXPECT_EQ(e.images, 1);
  EXPECT_EQ(e.n, 1);
  EXPECT_EQ(e.prompt_tokens, 2);
  EXPECT_EQ(e.completion_reserve, 0);
  EXPECT_FALSE(e.completion_budget.has_value());
  EXPECT_EQ(e.tokens(), 2);
  e = Estimate(Endpoint::kImageGenerations, R"({"prompt":"a cat","n":4})");
  EXPECT_EQ(e.images, 4);
  EXPECT_EQ(e.n, 4);
  EXPECT_EQ(e.tokens(), 2);
  ExpectInvalid(Endpoint::kImageGenerations, R"({"prompt":"a cat","n":0})", "n must be a positive integer");
  ExpectInvalid(Endpoint::kImageGenerations, R"({"prompt":["a cat"]})", "prompt must be a string");
}

// ---- responses -------------------------------------------------------------------------

TEST(ResponsesEstimateTest, InstructionsAndStringInput) {
  // "Be brief." 9 -> 3 (+4), "Hello" 5 -> 2 (+4): 3 + 7 + 6 = 16.
  CostEstimate e = Estimate(Endpoint::kResponses,
                            R"({"model":"gpt-4.1","instructions":"Be brief.","input":"Hello","max_output_tokens":200})");
  EXPECT_EQ(e.model, "gpt-4.1");
  EXPECT_EQ(e.prompt_tokens, 16);
  EXPECT_EQ(e.completion_budget, 200);
  EXPECT_EQ(e.completion_reserve, 200);
  EXPECT_EQ(e.tokens(), 216);
  e = Estimate(Endpoint::kResponses, R"({"input":"Hello"})");
  EXPECT_EQ(e.prompt_tokens, 9);
  EXPECT_FALSE(e.completion_budget.has_value());
  EXPECT_EQ(e.completion_reserve, 1024);
}

TEST(ResponsesEstimateTest, ItemList) {
  // easy message "hi" -> 4+1 = 5; message with input_text 8 bytes -> 2 and an image -> 4+2+85 = 91;
  // function_call "f" + "{}" -> 4+1 = 5; function_call_output "12345" -> 4+2 = 6;
  // reasoning item by its 43-byte JSON -> 4+11 = 15. Total 3 + 5 + 91 + 5 + 6 + 15 = 125.
  CostEstimate e = Estimate(Endpoint::kResponses, R"({"input":[
      {"role":"user","content":"hi"},
      {"type":"message","role":"user","content":[{"type":"input_text","text":"abcdefgh"},
                                                 {"type":"input_image","image_url":"https://x/y.png"}]},
      {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
      {"type":"function_call_output","call_id":"c1","output":"12345"},
      {"type":"reasoning","id":"r1","summary":[]}]})");
  EXPECT_EQ(e.prompt_tokens, 125);
}

TEST(ResponsesEstimateTest, ToolsTokenizerAndErrors) {
  // Tools 86 bytes -> 22: 3 + (4+1) + 22 = 30.
  EXPECT_EQ(Estimate(Endpoint::kResponses, R"({"input":"hi",
      "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})")
                .prompt_tokens,
            30);
  ByteTokenizer tok;
  // 3 + (4+9) + (4+5) = 25.
  EXPECT_EQ(Estimate(Endpoint::kResponses, R"({"instructions":"Be brief.","input":[{"role":"user","content":"Hello"}]})",
                     EstimateConfig{&tok})
                .prompt_tokens,
            25);
  ExpectInvalid(Endpoint::kResponses, R"({"input":5})", "input must be");
  ExpectInvalid(Endpoint::kResponses, R"({"input":["hi"]})", "input[0]");
  ExpectInvalid(Endpoint::kResponses, R"({"input":[{"role":"user","content":3}]})", "input[0].content");
  ExpectInvalid(Endpoint::kResponses, R"({"input":"x","max_output_tokens":-1})", "max_output_tokens");
}

// ---- other endpoints and malformed bodies ----------------------------------------------

TEST(EstimateCostTest, OtherEndpointReadsNothing) {
  for (std::string_view body : {"", "--boundary\r\nmultipart", R"({"max_tokens":5})"}) {
    CostEstimate e = Estimate(Endpoint::kOther, body);
    EXPECT_EQ(e.requests, 1);
    EXPECT_EQ(e.tokens(), 0);
    EXPECT_EQ(e.images, 0);
  }
}

TEST(EstimateCostTest, InvalidBodies) {
  ExpectInvalid(Endpoint::kChatCompletions, "", "not valid JSON");
  ExpectInvalid(Endpoint::kChatCompletions, "{\"messages\":", "not valid JSON");
  ExpectInvalid(Endpoint::kEmbeddings, "[1,2]", "must be a JSON object");
  ExpectInvalid(Endpoint::kResponses, "\"hi\"", "must be a JSON object");
  ExpectInvalid(Endpoint::kImageGenerations, "null", "must be a JSON object");
}

// Every prefix and many single-byte mutations of valid requests: a value or
// kInvalidArgument, never a crash (run under the sanitizer preset too).
TEST(EstimateCostTest, TruncationsAndMutationsNeverCrash) {
  const std::pair<Endpoint, std::string> kRequests[] = {
      {Endpoint::kChatCompletions,
       R"({"model":"gpt-4o","n":2,"max_tokens":100,"messages":[{"role":"user","content":[{"type":"text","text":"hi"},)"
       R"({"type":"image_url","image_url":{"url":"u"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c",)"
       R"("type":"function","function":{"name":"f","arguments":"{}"}}]}],"tools":[{"type":"function"}]})"},
      {Endpoint::kCompletions, R"({"model":"i","prompt":["ab",[1,2],3],"best_of":2,"suffix":"s"})"},
      {Endpoint::kEmbeddings, R"({"model":"e","input":["abc",[1,2,3]]})"},
      {Endpoint::kImageGenerations, R"({"model":"d","prompt":"a cat","n":3})"},
      {Endpoint::kResponses,
       R"({"model":"r","instructions":"x","input":[{"role":"user","content":"hi"},{"type":"function_call_output",)"
       R"("output":[{"type":"input_text","text":"t"}]},{"type":"reasoning"}],"max_output_tokens":9})"},
  };
  ByteTokenizer tok;
  int ok = 0;
  int invalid = 0;
  for (const auto& [endpoint, body] : kRequests) {
    for (const EstimateConfig& config : {EstimateConfig{}, EstimateConfig{&tok, 1}}) {
      ASSERT_TRUE(EstimateCost(endpoint, body, config).ok()) << body;
      for (size_t len = 0; len <= body.size(); ++len) {
        Result<CostEstimate> r = EstimateCost(endpoint, std::string_view(body).substr(0, len), config);
        if (r.ok()) {
          ++ok;
          EXPECT_GE(r->tokens(), 0);
        } else {
          ++invalid;
          EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
        }
      }
      const char kBytes[] = {'"', '{', '}', '[', ']', ',', ':', '0', '-', 'n', '\\', '\0', '\xff'};
      for (size_t pos = 0; pos < body.size(); ++pos) {
        for (char c : kBytes) {
          std::string mutated = body;
          mutated[pos] = c;
          Result<CostEstimate> r = EstimateCost(endpoint, mutated, config);
          if (r.ok()) {
            EXPECT_GE(r->tokens(), 0);
          } else {
            EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
          }
          ParseUsage(endpoint, mutated);  // must not crash either
        }
      }
    }
  }
  EXPECT_GT(invalid, 0);
  EXPECT_GT(ok + invalid, 0);
}

// ---- usage and charging ----------------------------------------------------------------

TEST(ParseUsageTest, ChatCompletionsEmbeddings) {
  ParsedUsage u = ParseUsage(Endpoint::kChatCompletions, R"({"id":"x","choices":[],
      "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}})");
  EXPECT_TRUE(u.has_usage);
  EXPECT_EQ(u.usage.prompt_tokens, 19);
  EXPECT_EQ(u.usage.completion_tokens, 10);
  EXPECT_EQ(u.usage.total_tokens, 29);
  EXPECT_EQ(u.usage.images, 0);

  u = ParseUsage(Endpoint::kEmbeddings, R"({"data":[{"embedding":[0.1]}],"usage":{"prompt_tokens":8,"total_tokens":8}})");
  EXPECT_TRUE(u.has_usage);
  EXPECT_EQ(u.usage.prompt_tokens, 8);
  EXPECT_EQ(u.usage.completion_tokens, 0);
  EXPECT_EQ(u.usage.total_tokens, 8);
  EXPECT_EQ(u.usage.images, 0);  // data here is embeddings, not images

  // A missing total is the sum.
  u = ParseUsage(Endpoint::kCompletions, R"({"usage":{"prompt_tokens":5,"completion_tokens":7}})");
  EXPECT_EQ(u.usage.total_tokens, 12);
}

TEST(ParseUsageTest, Responses) {
  ParsedUsage u = ParseUsage(Endpoint::kResponses, R"({"object":"response",
      "usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,"total_tokens":123}})");
  EXPECT_TRUE(u.has_usage);
  EXPECT_EQ(u.usage.prompt_tokens, 36);
  EXPECT_EQ(u.usage.completion_tokens, 87);
  EXPECT_EQ(u.usage.total_tokens, 123);
}

TEST(ParseUsageTest, Images) {
  ParsedUsage u = ParseUsage(Endpoint::kImageGenerations, R"({"created":1,"data":[{"url":"a"},{"url":"b"}]})");
  EXPECT_FALSE(u.has_usage);
  EXPECT_EQ(u.usage.images, 2);
  EXPECT_EQ(u.usage.total_tokens, 0);
  // gpt-image models also report token usage.
  u = ParseUsage(Endpoint::kImageGenerations,
                 R"({"data":[{"b64_json":"x"}],"usage":{"input_tokens":50,"output_tokens":4160,"total_tokens":4210}})");
  EXPECT_TRUE(u.has_usage);
  EXPECT_EQ(u.usage.images, 1);
  EXPECT_EQ(u.usage.prompt_tokens, 50);
  EXPECT_EQ(u.usage.completion_tokens, 4160);
  EXPECT_EQ(u.usage.total_tokens, 4210);
}

TEST(ParseUsageTest, MissingOrBroken) {
  for (std::string_view body : {"", "not json", "[1]", R"({"id":"x"})", R"({"usage":null})", R"({"usage":[1]})",
                                R"({"error":{"message":"nope"}})"}) {
    ParsedUsage u = ParseUsage(Endpoint::kChatCompletions, body);
    EXPECT_FALSE(u.has_usage) << body;
    EXPECT_EQ(u.usage.prompt_tokens, 0);
    EXPECT_EQ(u.usage.completion_tokens, 0);
    EXPECT_EQ(u.usage.total_tokens, 0);
  }
  // Negative or non-integer counts read as 0.
  ParsedUsage u = ParseUsage(Endpoint::kChatCompletions,
                             R"({"usage":{"prompt_tokens":-4,"completion_tokens":"7","total_tokens":-1}})");
  EXPECT_TRUE(u.has_usage);
  EXPECT_EQ(u.usage.prompt_tokens, 0);
  EXPECT_EQ(u.usage.completion_tokens, 0);
  EXPECT_EQ(u.usage.total_tokens, 0);
  // Absurd counts saturate instead of overflowing.
  u = ParseUsage(Endpoint::kChatCompletions,
                 R"({"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":5}})");
  EXPECT_EQ(u.usage.total_tokens, INT64_MAX);
}

TEST(ChargedTokensTest, BudgetIsChargedInFull) {
  CostEstimate est;
  est.prompt_tokens = 40;
  est.completion_budget = 300;
  est.completion_reserve = 300;
  ParsedUsage u;
  u.has_usage = true;
  u.usage = {50, 120, 170, 0};
  EXPECT_EQ(ChargedTokens(est, u), 50 + 300);
  // A completion above the budget (should not happen) is charged as counted.
  u.usage = {50, 400, 450, 0};
  EXPECT_EQ(ChargedTokens(est, u), 450);
}

TEST(ChargedTokensTest, NoBudgetChargesActualTotal) {
  CostEstimate est;
  est.prompt_tokens = 40;
  est.completion_reserve = 1024;
  ParsedUsage u;
  u.has_usage = true;
  u.usage = {50, 120, 170, 0};
  EXPECT_EQ(ChargedTokens(est, u), 170);
}

TEST(ChargedTokensTest, WithoutUsageTheEstimateStands) {
  CostEstimate est;
  est.prompt_tokens = 40;
  est.completion_budget = 300;
  est.completion_reserve = 300;
  EXPECT_EQ(ChargedTokens(est, ParsedUsage{}), 340);
}

TEST(ChargedTokensTest, EndToEnd) {
  // Chat, n = 2, max_tokens 100: prompt 8 estimated; the server reports 9 + 150.
  CostEstimate est = Estimate(Endpoint::kChatCompletions,
                              R"({"messages":[{"role":"user","content":"hi"}],"n":2,"max_tokens":100})");
  EXPECT_EQ(est.tokens(), 208);
  ParsedUsage u = ParseUsage(Endpoint::kChatCompletions,
                             R"({"usage":{"prompt_tokens":9,"completion_tokens":150,"total_tokens":159}})");
  EXPECT_EQ(ChargedTokens(est, u), 209);
  // Embeddings: the actual total.
  est = Estimate(Endpoint::kEmbeddings, R"({"input":"hello world"})");
  u = ParseUsage(Endpoint::kEmbeddings, R"({"usage":{"prompt_tokens":2,"total_tokens":2}})");
  EXPECT_EQ(ChargedTokens(est, u), 2);
  // dall-e has no usage: the prompt estimate stands.
  est = Estimate(Endpoint::kImageGenerations, R"({"prompt":"a cat","n":2})");
  u = ParseUsage(Endpoint::kImageGenerations, R"({"data":[{"url":"a"},{"url":"b"}]})");
  EXPECT_EQ(ChargedTokens(est, u), 2);
  EXPECT_EQ(u.usage.images, 2);
}

}  // namespace
}  // namespace llmgate::internal
