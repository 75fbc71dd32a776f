// Response headers as received: a short list of name/value pairs with case-insensitive
// lookup. HTTP header names are case-insensitive, and HTTP/2 servers send them in lower
// case while proxies and mock servers may not, so every lookup ignores case.
#ifndef LLMGATE_LIB_HTTP_HEADERS_H_
#define LLMGATE_LIB_HTTP_HEADERS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgate::internal {

// ASCII case-insensitive equality (header names and tokens are ASCII).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpHeaders {
  // In arrival order. A response carries a few dozen headers at most, so a linear scan
  // beats any map.
  std::vector<std::pair<std::string, std::string>> entries;

  // Appends a header; the value is stored with surrounding white space removed.
  void Add(std::string_view name, std::string_view value);

  // Takes one raw header line as a transport delivers it ("Name: value\r\n").
  // A status line ("HTTP/1.1 200 OK") starts a new response and clears what was kept, so
  // after redirects or a "100 Continue" only the final response's headers remain.
  // Returns false for a line that is neither (blank lines included); nothing is added.
  bool AddLine(std::string_view line);

  // The first value whose name matches `name` ignoring case.
  std::optional<std::string_view> Find(std::string_view name) const;

  bool empty() const { return entries.empty(); }
  size_t size() const { return entries.size(); }
  void clear() { entries.clear(); }
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_HEADERS_H_
