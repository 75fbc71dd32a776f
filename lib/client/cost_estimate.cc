#include "client/cost_estimate.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "cache/response_usage.h"
#include "util/json_parser.h"

namespace llmgate::internal {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// OpenAI's accounting for chat: every reply is primed with 3 tokens and every message
// carries 4 tokens of framing (role, separators) besides its text.
constexpr int64_t kReplyPriming = 3;
constexpr int64_t kPerMessage = 4;
// An image part at low detail; high detail costs more, but the tile count depends on the
// image's size, which the request does not carry.
constexpr int64_t kImagePartTokens = 85;
// max_tokens of /completions when the request omits it: the server stops there.
constexpr int64_t kLegacyDefaultMaxTokens = 16;

// Counts come from requests and tokenizers and may be absurd; saturate, never overflow.
int64_t SatAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}
int64_t SatMul(int64_t a, int64_t b) {  // both non-negative
  int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return INT64_MAX;
  return product;
}

std::string Indexed(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

// The tokens of one unit that is tokenized as a whole (a message, an embedding input, a
// tool list). Without a tokenizer the bytes are summed and rounded up once at the end.
class TokenTally {
 public:
  TokenTally(const Tokenizer* tokenizer, std::string_view model) : tokenizer_(tokenizer), model_(model) {}

  void AddText(std::string_view text) {
    if (tokenizer_ != nullptr) {
      tokens_ = SatAdd(tokens_, std::max<int64_t>(0, tokenizer_->CountTokens(model_, text)));
    } else {
      bytes_ += text.size();
    }
  }
  void AddTokens(int64_t tokens) { tokens_ = SatAdd(tokens_, tokens); }
  int64_t Total() const {
    // bytes_ is bounded by the body size (under 4 GiB for simdjson), so this fits.
    return SatAdd(tokens_, static_cast<int64_t>((bytes_ + 3) / 4));
  }

 private:
  const Tokenizer* tokenizer_;
  std::string_view model_;
  int64_t tokens_ = 0;
  uint64_t bytes_ = 0;
};

struct Context {
  const Tokenizer* tokenizer;
  std::string_view model;
  TokenTally Tally() const { return TokenTally(tokenizer, model); }
  int64_t Text(std::string_view text) const {
    TokenTally tally = Tally();
    tally.AddText(text);
    return tally.Total();
  }
};

// A field that is absent or null: OpenAI treats an explicit null as "not given".
bool Field(object o, std::string_view key, element* out) {
  return o[key].get(*out) == simdjson::SUCCESS && !out->is_null();
}

std::string_view StringOr(object o, std::string_view key, std::string_view fallback = {}) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return fallback;
  return s;
}

// An integer field at least `min`, left as nullopt when absent. A value beyond int64 is
// taken as INT64_MAX: the limiter then rejects the request as larger than any limit.
Status ReadCount(object o, std::string_view key, int64_t min, std::optional<int64_t>* out) {
  element e;
  if (!Field(o, key, &e)) return Status::Ok();
  int64_t v = 0;
  if (e.get_int64().get(v) == simdjson::SUCCESS && v >= min) {
    *out = v;
    return Status::Ok();
  }
  if (e.type() == simdjson::dom::element_type::UINT64) {  // the parser's type for integers above INT64_MAX
    *out = INT64_MAX;
    return Status::Ok();
  }
  return InvalidArgumentError(std::string(key) +
                              (min > 0 ? " must be a positive integer" : " must be a non-negative integer"));
}

// Adds the text of one content part; unknown part kinds (audio, files) add nothing.
void AddPart(object part, TokenTally& tally) {
  std::string_view text;
  if (part["text"].get_string().get(text) == simdjson::SUCCESS) {
    tally.AddText(text);
    return;
  }
  const std::string_view type = StringOr(part, "type");
  if (type == "image_url" || type == "input_image") {
    tally.AddTokens(kImagePartTokens);
  } else if (part["refusal"].get_string().get(text) == simdjson::SUCCESS) {
    tally.AddText(text);
  }
}

// A content field: a string, an array of parts, or null.
Status AddContent(element content, const std::string& where, TokenTally& tally) {
  std::string_view text;
  if (content.get_string().get(text) == simdjson::SUCCESS) {
    tally.AddText(text);
    return Status::Ok();
  }
  array parts;
  if (content.get_array().get(parts) != simdjson::SUCCESS) {
    if (content.is_null()) return Status::Ok();
    return InvalidArgumentError(where + " must be a string, an array of content parts or null");
  }
  size_t j = 0;
  for (element p : parts) {
    object part;
    if (p.get_object().get(part) != simdjson::SUCCESS) {
      return InvalidArgumentError(Indexed(where, j) + " must be an object");
    }
    AddPart(part, tally);
    ++j;
  }
  return Status::Ok();
}

// A call's name and its arguments (function tools) or input (custom tools).
void AddCall(object call, TokenTally& tally) {
  tally.AddText(StringOr(call, "name"));
  tally.AddText(StringOr(call, "arguments"));
  tally.AddText(StringOr(call, "input"));
}

// A tool list is counted by its compact JSON: OpenAI renders definitions into the prompt.
int64_t ToolTokens(object top, std::string_view key, const Context& ctx) {
  element tools;
  if (!Field(top, key, &tools)) return 0;
  return ctx.Text(simdjson::minify(tools));
}

Status AddChatMessage(element m, size_t i, const Context& ctx, int64_t* prompt) {
  object msg;
  if (m.get_object().get(msg) != simdjson::SUCCESS) {
    return InvalidArgumentError(Indexed("messages", i) + " must be an object");
  }
  TokenTally tally = ctx.Tally();
  element content;
  if (Field(msg, "content", &content)) {
    Status s = AddContent(content, Indexed("messages", i) + ".content", tally);
    if (!s.ok()) return s;
  }
  tally.AddText(StringOr(msg, "name"));
  array calls;
  if (msg["tool_calls"].get_array().get(calls) == simdjson::SUCCESS) {
    for (element c : calls) {
      object call;
      if (c.get_object().get(call) != simdjson::SUCCESS) continue;
      object fn;
      if (call["function"].get_object().get(fn) == simdjson::SUCCESS) AddCall(fn, tally);
      if (call["custom"].get_object().get(fn) == simdjson::SUCCESS) AddCall(fn, tally);
    }
  }
  object legacy_call;
  if (msg["function_call"].get_object().get(legacy_call) == simdjson::SUCCESS) AddCall(legacy_call, tally);
  *prompt = SatAdd(*prompt, SatAdd(kPerMessage, tally.Total()));
  return Status::Ok();
}

Status EstimateChat(object top, const Context& ctx, CostEstimate* est, std::optional<int64_t>* budget) {
  int64_t prompt = kReplyPriming;
  element messages;
  if (Field(top, "messages", &messages)) {
    array list;
    if (messages.get_array().get(list) != simdjson::SUCCESS) return InvalidArgumentError("messages must be an array");
    size_t i = 0;
    for (element m : list) {
      Status s = AddChatMessage(m, i++, ctx, &prompt);
      if (!s.ok()) return s;
    }
  }
  prompt = SatAdd(prompt, ToolTokens(top, "tools", ctx));
  prompt = SatAdd(prompt, ToolTokens(top, "functions", ctx));
  est->prompt_tokens = prompt;

  std::optional<int64_t> n, max_completion_tokens, max_tokens;
  for (Status s : {ReadCount(top, "n", 1, &n), ReadCount(top, "max_completion_tokens", 0, &max_completion_tokens),
                   ReadCount(top, "max_tokens", 0, &max_tokens)}) {
    if (!s.ok()) return s;
  }
  est->n = n.value_or(1);
  *budget = max_completion_tokens ? max_completion_tokens : max_tokens;
  return Status::Ok();
}

Status EstimateCompletions(object top, const Context& ctx, CostEstimate* est, std::optional<int64_t>* budget) {
  int64_t prompt = 0;
  int64_t prompts = 0;
  element p;
  if (Field(top, "prompt", &p)) {
    std::string_view text;
    array list;
    if (p.get_string().get(text) == simdjson::SUCCESS) {
      prompt = ctx.Text(text);
      prompts = 1;
    } else if (p.get_array().get(list) == simdjson::SUCCESS) {
      bool token_ids = false;  // a flat array of token ids is one prompt
      size_t i = 0;
      for (element item : list) {
        array ids;
        if (item.get_string().get(text) == simdjson::SUCCESS) {
          prompt = SatAdd(prompt, ctx.Text(text));
          ++prompts;
        } else if (item.get_array().get(ids) == simdjson::SUCCESS) {
          prompt = SatAdd(prompt, static_cast<int64_t>(ids.size()));
          ++prompts;
        } else if (item.is_number()) {
          prompt = SatAdd(prompt, 1);
          token_ids = true;
        } else {
          return InvalidArgumentError(Indexed("prompt", i) +
                                      " must be a string, a token id or an array of token ids");
        }
        ++i;
      }
      if (token_ids) ++prompts;
    } else {
      return InvalidArgumentError("prompt must be a string or an array");
    }
  }
  std::string_view suffix;
  if (top["suffix"].get_string().get(suffix) == simdjson::SUCCESS) prompt = SatAdd(prompt, ctx.Text(suffix));
  est->prompt_tokens = prompt;

  std::optional<int64_t> n, best_of, max_tokens;
  for (Status s : {ReadCount(top, "n", 1, &n), ReadCount(top, "best_of", 1, &best_of),
                   ReadCount(top, "max_tokens", 0, &max_tokens)}) {
    if (!s.ok()) return s;
  }
  est->n = n.value_or(1);
  // best_of candidates are generated (and billed) server-side, n of them returned.
  const int64_t per_prompt = std::max(est->n, best_of.value_or(1));
  *budget = SatMul(SatMul(max_tokens.value_or(kLegacyDefaultMaxTokens), per_prompt), std::max<int64_t>(prompts, 1));
  return Status::Ok();
}

Status EstimateEmbeddings(object top, const Context& ctx, CostEstimate* est) {
  element input;
  if (!Field(top, "input", &input)) return Status::Ok();
  std::string_view text;
  array list;
  if (input.get_string().get(text) == simdjson::SUCCESS) {
    est->prompt_tokens = ctx.Text(text);
    return Status::Ok();
  }
  if (input.get_array().get(list) != simdjson::SUCCESS) {
    return InvalidArgumentError("input must be a string or an array");
  }
  int64_t tokens = 0;
  size_t i = 0;
  for (element item : list) {
    array ids;
    if (item.get_string().get(text) == simdjson::SUCCESS) {
      tokens = SatAdd(tokens, ctx.Text(text));
    } else if (item.get_array().get(ids) == simdjson::SUCCESS) {
      tokens = SatAdd(tokens, static_cast<int64_t>(ids.size()));
    } else if (item.is_number()) {
      tokens = SatAdd(tokens, 1);
    } else {
      return InvalidArgumentError(Indexed("input", i) + " must be a string, a token id or an array of token ids");
    }
    ++i;
  }
  est->prompt_tokens = tokens;
  return Status::Ok();
}

Status EstimateImages(object top, const Context& ctx, CostEstimate* est) {
  element prompt;
  if (Field(top, "prompt", &prompt)) {
    std::string_view text;
    if (prompt.get_string().get(text) != simdjson::SUCCESS) return InvalidArgumentError("prompt must be a string");
    est->prompt_tokens = ctx.Text(text);
  }
  std::optional<int64_t> n;
  Status s = ReadCount(top, "n", 1, &n);
  if (!s.ok()) return s;
  est->n = n.value_or(1);
  est->images = est->n;
  return Status::Ok();
}

// One item of a Responses `input` list.
Status AddResponsesItem(element it, std::string_view field, size_t i, const Context& ctx, int64_t* prompt) {
  object item;
  if (it.get_object().get(item) != simdjson::SUCCESS) {
    return InvalidArgumentError(Indexed(field, i) + " must be an object");
  }
  TokenTally tally = ctx.Tally();
  const std::string_view type = StringOr(item, "type", "message");  // an easy input message has no type
  element value;
  if (type == "message") {
    if (Field(item, "content", &value)) {
      Status s = AddContent(value, Indexed(field, i) + ".content", tally);
      if (!s.ok()) return s;
    }
  } else if (type == "function_call" || type == "custom_tool_call") {
    AddCall(item, tally);
  } else if (type == "function_call_output" || type == "custom_tool_call_output") {
    // The output is a string or content parts like a message's; anything else by its JSON.
    if (Field(item, "output", &value)) {
      if (value.is_string() || value.is_array()) {
        Status s = AddContent(value, Indexed(field, i) + ".output", tally);
        if (!s.ok()) return s;
      } else {
        tally.AddText(simdjson::minify(value));
      }
    }
  } else {
    // Reasoning, built-in tool calls, item references and kinds added later: their JSON is
    // an upper-bound-ish proxy, better than counting them as free.
    tally.AddText(simdjson::minify(it));
  }
  *prompt = SatAdd(*prompt, SatAdd(kPerMessage, tally.Total()));
  return Status::Ok();
}

// `instructions` or `input`: a string (one message) or a list of items.
Status AddResponsesInput(object top, std::string_view field, const Context& ctx, int64_t* prompt) {
  element value;
  if (!Field(top, field, &value)) return Status::Ok();
  std::string_view text;
  array items;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    *prompt = SatAdd(*prompt, SatAdd(kPerMessage, ctx.Text(text)));
    return Status::Ok();
  }
  if (value.get_array().get(items) != simdjson::SUCCESS) {
    return InvalidArgumentError(std::string(field) + " must be a string or an array of items");
  }
  size_t i = 0;
  for (element it : items) {
    Status s = AddResponsesItem(it, field, i++, ctx, prompt);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status EstimateResponses(object top, const Context& ctx, CostEstimate* est, std::optional<int64_t>* budget) {
  int64_t prompt = kReplyPriming;
  for (std::string_view field : {"instructions", "input"}) {
    Status s = AddResponsesInput(top, field, ctx, &prompt);
    if (!s.ok()) return s;
  }
  est->prompt_tokens = SatAdd(prompt, ToolTokens(top, "tools", ctx));
  return ReadCount(top, "max_output_tokens", 0, budget);
}

}  // namespace

Endpoint EndpointFromPath(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  // Ends with `segments` on a segment boundary: "/v1/embeddings" yes, "/v1/xembeddings" no.
  auto ends_with = [path](std::string_view segments) {
    if (path.size() < segments.size() || path.substr(path.size() - segments.size()) != segments) return false;
    return path.size() == segments.size() || path[path.size() - segments.size() - 1] == '/';
  };
  if (ends_with("chat/completions")) return Endpoint::kChatCompletions;  // before its suffix "completions"
  if (ends_with("completions")) return Endpoint::kCompletions;
  if (ends_with("embeddings")) return Endpoint::kEmbeddings;
  if (ends_with("images/generations")) return Endpoint::kImageGenerations;
  if (ends_with("responses")) return Endpoint::kResponses;
  return Endpoint::kOther;
}

Result<CostEstimate> EstimateCost(Endpoint endpoint, std::string_view request_json, const EstimateConfig& config) {
  CostEstimate est;
  if (endpoint == Endpoint::kOther) return est;

  JsonParserLease parser(request_json.size());
  element root;
  if (auto err = parser.get().parse(request_json.data(), request_json.size()).get(root)) {
    return InvalidArgumentError(std::string("request body is not valid JSON: ") + simdjson::error_message(err));
  }
  object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return InvalidArgumentError("request body must be a JSON object");
  }
  element model;
  if (Field(top, "model", &model)) {
    std::string_view name;
    if (model.get_string().get(name) != simdjson::SUCCESS) return InvalidArgumentError("model must be a string");
    est.model = std::string(name);
  }
  const Context ctx{config.tokenizer, est.model};

  std::optional<int64_t> budget;
  Status s;
  bool has_completion = true;
  switch (endpoint) {
    case Endpoint::kChatCompletions:
      s = EstimateChat(top, ctx, &est, &budget);
      break;
    case Endpoint::kCompletions:
      s = EstimateCompletions(top, ctx, &est, &budget);
      break;
    case Endpoint::kResponses:
      s = EstimateResponses(top, ctx, &est, &budget);
      break;
    case Endpoint::kEmbeddings:
      s = EstimateEmbeddings(top, ctx, &est);
      has_completion = false;
      break;
    case Endpoint::kImageGenerations:
      s = EstimateImages(top, ctx, &est);
      has_completion = false;
      break;
    case Endpoint::kOther:
      break;
  }
  if (!s.ok()) return s;
  if (!has_completion) return est;

  // Chat's budget is per choice; /completions already multiplied its own.
  if (budget && endpoint == Endpoint::kChatCompletions) budget = SatMul(*budget, est.n);
  est.completion_budget = budget;
  est.completion_reserve = budget ? *budget : SatMul(std::max<int64_t>(0, config.default_completion_tokens), est.n);
  // Keep tokens() from overflowing on absurd budgets.
  est.completion_reserve = std::min(est.completion_reserve, INT64_MAX - est.prompt_tokens);
  return est;
}

ParsedUsage ParseUsage(Endpoint endpoint, std::string_view response_json) {
  ParsedUsage parsed;
  Result<ResponseInfo> info = InspectResponse(response_json);
  if (!info.ok()) return parsed;
  if (endpoint == Endpoint::kImageGenerations) parsed.usage.images = info->data_items.value_or(0);
  if (!info->has_usage) return parsed;
  parsed.has_usage = true;
  parsed.usage.prompt_tokens = std::max<int64_t>(0, info->prompt_tokens);
  parsed.usage.completion_tokens = std::max<int64_t>(0, info->completion_tokens);
  parsed.usage.total_tokens = std::max<int64_t>(0, info->total_tokens);
  return parsed;
}

int64_t ChargedTokens(const CostEstimate& estimate, const ParsedUsage& usage) {
  if (!usage.has_usage) return SatAdd(estimate.prompt_tokens, estimate.completion_reserve);
  if (estimate.completion_budget) {
    return SatAdd(usage.usage.prompt_tokens, std::max(*estimate.completion_budget, usage.usage.completion_tokens));
  }
  return usage.usage.total_tokens;
}

}  // namespace llmgate::internal
