// The HTTP request and answer as the mock's logic sees them, free of any HTTP library so
// that only the server glue (http_server.cc) compiles against one.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_HTTP_TYPES_H_
#define LLMGATE_TESTS_MOCK_OPENAI_HTTP_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgate::mock {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name`, ignoring case.
  std::optional<std::string_view> Header(std::string_view name) const;
};

inline std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; same && i < key.size(); ++i) {
      auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
      same = lower(key[i]) == lower(name[i]);
    }
    if (same) return std::string_view(value);
  }
  return std::nullopt;
}

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string body;

  // A streamed answer: `events` are written one by one (each flushed as its own chunk),
  // `chunk_delay_ms` apart.
  bool streaming = false;
  std::vector<std::string> events;
  int64_t chunk_delay_ms = 0;

  // Send the headers and part of the body (half of it, or half of the events), then close
  // the connection.
  bool drop_mid_body = false;

  void SetHeader(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_HTTP_TYPES_H_
