#include "answers.h"

#include <algorithm>

#include "json_writer.h"

namespace llmgate::mock {
namespace {

constexpr size_t kEchoBytes = 40;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The first `n` bytes of `s`, shortened so that no UTF-8 character is cut.
std::string_view Utf8Prefix(std::string_view s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && IsContinuationByte(s[n])) --n;
  return s.substr(0, n);
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

std::string ToolArguments(const ToolSpec& tool, std::string_view about) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [name, type] : tool.parameters) {
    w.Key(name);
    if (type == "integer" || type == "number") {
      w.Int(1);
    } else if (type == "boolean") {
      w.Bool(true);
    } else if (type == "array") {
      w.BeginArray().EndArray();
    } else if (type == "object") {
      w.BeginObject().EndObject();
    } else {
      w.String(about);
    }
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

int64_t TextTokens(std::string_view text) { return static_cast<int64_t>((text.size() + 3) / 4); }

int64_t PromptTokens(const std::vector<Message>& messages) {
  int64_t total = 0;
  for (const Message& m : messages) total += 4 + TextTokens(m.text);
  return total;
}

std::string Answer::Text() const {
  std::string text;
  for (const std::string& p : pieces) text += p;
  return text;
}

Answer MakeAnswer(const std::vector<Message>& messages, const std::vector<ToolSpec>& tools, int64_t max_tokens) {
  std::string_view last_user;
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->role == "user") {
      last_user = it->text;
      break;
    }
  }
  std::string_view excerpt = Utf8Prefix(last_user, kEchoBytes);
  Answer a;

  // Only when the conversation ends with the user asking: once the tool's result is in,
  // the model answers in text, so an agent loop over the mock terminates.
  if (!tools.empty() && !messages.empty() && messages.back().role == "user" &&
      messages.back().text.find("call tool") != std::string::npos) {
    a.tool_call = true;
    a.tool_name = tools.front().name;
    a.tool_arguments = ToolArguments(tools.front(), excerpt);
    a.finish_reason = "tool_calls";
    a.completion_tokens = std::min(max_tokens, TextTokens(a.tool_name) + TextTokens(a.tool_arguments));
    a.pieces = SplitForStreaming(a.tool_arguments, 8);
    return a;
  }

  std::vector<std::string> words = {"Echo:"};
  size_t i = 0;
  while (i < excerpt.size()) {
    while (i < excerpt.size() && IsSpace(excerpt[i])) ++i;
    size_t start = i;
    while (i < excerpt.size() && !IsSpace(excerpt[i])) ++i;
    if (i > start) words.push_back(" " + std::string(excerpt.substr(start, i - start)));
  }
  a.finish_reason = "stop";
  if (static_cast<int64_t>(words.size()) > max_tokens) {
    words.resize(static_cast<size_t>(max_tokens));
    a.finish_reason = "length";
  }
  a.completion_tokens = static_cast<int64_t>(words.size());
  a.pieces = std::move(words);
  return a;
}

std::vector<std::string> SplitForStreaming(std::string_view text, size_t size) {
  std::vector<std::string> pieces;
  while (!text.empty()) {
    std::string_view piece = Utf8Prefix(text, size);
    // A single character longer than `size` still has to go out whole.
    if (piece.empty()) {
      size_t n = 1;
      while (n < text.size() && IsContinuationByte(text[n])) ++n;
      piece = text.substr(0, n);
    }
    pieces.emplace_back(piece);
    text.remove_prefix(piece.size());
  }
  return pieces;
}

}  // namespace llmgate::mock
