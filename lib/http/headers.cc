#include "http/headers.h"

namespace llmgate::internal {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// HTTP's optional white space (RFC 9110 OWS) plus the line terminator.
std::string_view Trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

void HttpHeaders::Add(std::string_view name, std::string_view value) {
  entries.emplace_back(std::string(Trim(name)), std::string(Trim(value)));
}

bool HttpHeaders::AddLine(std::string_view line) {
  line = Trim(line);
  if (line.empty()) return false;
  if (line.size() >= 5 && EqualsIgnoreCase(line.substr(0, 5), "HTTP/")) {
    entries.clear();
    return true;
  }
  size_t colon = line.find(':');
  // A name is a non-empty token; white space before the colon is forbidden (RFC 9112 5.1).
  if (colon == 0 || colon == std::string_view::npos) return false;
  std::string_view name = line.substr(0, colon);
  if (name.find_first_of(" \t") != std::string_view::npos) return false;
  Add(name, line.substr(colon + 1));
  return true;
}

std::optional<std::string_view> HttpHeaders::Find(std::string_view name) const {
  for (const auto& [n, v] : entries) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace llmgate::internal
