#include "workload.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace llmgate::bench {

void BuildChatRequest(int i, std::string* out) {
  const std::string id = std::to_string(i);
  out->assign(R"({
  "model": "gpt-4o-mini",
  "messages": [
    {"role": "system", "content": "You are a careful assistant for an online bookshop. Answer in at most three sentences, cite the catalogue number of every book you mention, never invent prices, and say so when the catalogue does not have the answer. Keep a friendly, concise tone."},
    {"role": "user", "content": "I am looking for a novel set in a lighthouse, something quiet and reflective, preferably written after 1990. Do you have anything like that in stock?"},
    {"role": "assistant", "content": "We have 'The Lamplighters' by Emma Stonex (catalogue 44120) and 'To the Lighthouse' by Virginia Woolf (catalogue 10233); the first was published in 2021."},
    {"role": "user", "content": "Thank you. I read the Woolf at school, so I would rather try something new. Is The Lamplighters part of a series, and does it have a content warning I should know about?"},
    {"role": "assistant", "content": "The Lamplighters (catalogue 44120) is a standalone novel, not part of a series. It deals with grief and the disappearance of three lighthouse keepers, but it has no graphic content."},
    {"role": "user", "content": "Question )");
  out->append(id);
  out->append(R"(: which of those two would you recommend for a long train journey, and is there a paperback edition of it?"}
  ],
  "temperature": 0.2,
  "max_tokens": 256,
  "top_p": 1.0,
  "tools": [
    {"type": "function", "function": {
      "name": "lookup_catalogue",
      "description": "Look up a book in the shop catalogue by title, author or catalogue number and return its editions, formats and stock levels.",
      "parameters": {"type": "object", "properties": {
        "query": {"type": "string", "description": "Title, author or catalogue number"},
        "format": {"type": "string", "enum": ["hardback", "paperback", "ebook", "audiobook"]},
        "in_stock_only": {"type": "boolean", "default": true},
        "max_results": {"type": "integer", "minimum": 1, "maximum": 20}
      }, "required": ["query"]}
    }}
  ],
  "tool_choice": "auto",
  "user": "customer-)");
  out->append(id);
  out->append(R"("
})");
}

std::string ChatRequest(int i) {
  std::string request;
  BuildChatRequest(i, &request);
  return request;
}

std::string ChatResponse(int i, size_t bytes) {
  std::string head = R"({"id":"chatcmpl-)" + std::to_string(i) +
                     R"(","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":")";
  std::string tail = R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":412,"completion_tokens":61,"total_tokens":473}})";
  std::string text;
  const char* words = "For a long train journey I would choose The Lamplighters; it is in stock as a paperback. ";
  while (head.size() + text.size() + tail.size() < bytes) text += words;
  text.resize(bytes > head.size() + tail.size() ? bytes - head.size() - tail.size() : 0);
  return head + text + tail;
}

namespace {

// The directory named <prefix>-<pid>-XXXXXX under base.
std::string TempDirTemplate(const std::string& base, const char* prefix) {
  return base + "/" + prefix + "-" + std::to_string(getpid()) + "-XXXXXX";
}

// Removes this user's directories <prefix>-<pid>-* under base whose process is gone: left by
// runs that were killed, as the benchmarks remove theirs at a normal exit only, and each
// fixture's holds hundreds of MB.
void RemoveLeftovers(const std::string& base, const char* prefix) {
  const std::string start = std::string(prefix) + "-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.compare(0, start.size(), start) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + start.size(), &end, 10);
    if (pid <= 0 || end == name.c_str() + start.size() || *end != '-') continue;
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) RemoveTree(entry.path().string());
  }
}

}  // namespace

std::string MakeTempDir(const char* prefix) {
  const char* env = std::getenv("TMPDIR");
  const std::string base = env && *env ? env : "/tmp";
  RemoveLeftovers(base, prefix);
  std::string tmpl = TempDirTemplate(base, prefix);
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return buf.data();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace llmgate::bench
