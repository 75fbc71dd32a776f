#include "cache/canonical_rules.h"

namespace llmgate::internal {
namespace {

// Fields that never change the answer: end-user identifiers, streaming and storage switches,
// bookkeeping attached to the request, and OpenAI's own prompt-cache routing hints.
constexpr std::string_view kDroppedFields[] = {
    "user",
    "stream",
    "stream_options",
    "metadata",
    "store",
    "service_tier",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
};

constexpr DefaultField kChatDefaults[] = {
    {"frequency_penalty", "0"}, {"logprobs", "false"}, {"n", "1"},
    {"presence_penalty", "0"},  {"temperature", "1"},  {"top_p", "1"},
};
constexpr DefaultField kCompletionsDefaults[] = {
    {"frequency_penalty", "0"}, {"n", "1"}, {"presence_penalty", "0"}, {"temperature", "1"}, {"top_p", "1"},
};
constexpr DefaultField kEmbeddingsDefaults[] = {{"encoding_format", "\"float\""}};
constexpr DefaultField kImageGenerationsDefaults[] = {{"n", "1"}};

template <size_t N>
constexpr DefaultTable TableOf(const DefaultField (&fields)[N]) {
  return {fields, fields + N};
}

// True if path ends with the segments of suffix ("chat/completions"), starting at a '/'
// or at the beginning, so "/v1/chat/completions" matches but "/v1/xchat/completions" not.
bool EndsWithSegments(std::string_view path, std::string_view suffix) {
  if (path.size() < suffix.size()) return false;
  if (path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  return path.size() == suffix.size() || path[path.size() - suffix.size() - 1] == '/';
}

}  // namespace

DefaultTable DefaultsFor(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kChat:
      return TableOf(kChatDefaults);
    case Endpoint::kCompletions:
      return TableOf(kCompletionsDefaults);
    case Endpoint::kEmbeddings:
      return TableOf(kEmbeddingsDefaults);
    case Endpoint::kImageGenerations:
      return TableOf(kImageGenerationsDefaults);
    default:
      return {};
  }
}

bool IsDroppedField(std::string_view key) {
  for (std::string_view dropped : kDroppedFields) {
    if (key == dropped) return true;
  }
  return false;
}

std::string_view TrimTrailingSlash(std::string_view path) {
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

Endpoint EndpointOf(std::string_view path) {
  path = TrimTrailingSlash(path.substr(0, path.find('?')));
  // Chat first: its path also ends with "completions".
  if (EndsWithSegments(path, "chat/completions")) return Endpoint::kChat;
  if (EndsWithSegments(path, "completions")) return Endpoint::kCompletions;
  if (EndsWithSegments(path, "responses")) return Endpoint::kResponses;
  if (EndsWithSegments(path, "embeddings")) return Endpoint::kEmbeddings;
  if (EndsWithSegments(path, "images/generations")) return Endpoint::kImageGenerations;
  return Endpoint::kOther;
}

}  // namespace llmgate::internal
