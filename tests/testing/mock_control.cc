#include "testing/mock_control.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "http/curl_transport.h"
#include "http/transport.h"

namespace llmgate::testing {
namespace {

using internal::HttpRequest;
using internal::HttpResult;

HttpResult Send(const std::string& ca_file, HttpRequest request) {
  internal::CurlTransportConfig config;
  config.ca_file = ca_file;
  auto local = internal::MakeCurlTransport(config);
  EXPECT_TRUE(local.ok());
  request.total_timeout_micros = 10'000'000;
  auto exchange = (*local)->Start(std::move(request));
  return internal::ReadWhole(*exchange);
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

MockControl::MockControl(std::string origin, std::string ca_file)
    : origin_(std::move(origin)), ca_file_(std::move(ca_file)) {}

void MockControl::Configure(const std::string& json) {
  HttpRequest r;
  r.url = origin_ + "/_mock/config";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = json;
  HttpResult result = Send(ca_file_, r);
  ASSERT_TRUE(result.response) << "mock config failed: " << (result.error ? result.error->detail : "");
  ASSERT_EQ(result.response->status, 200) << result.response->body;
}

void MockControl::Reset() {
  HttpRequest r;
  r.url = origin_ + "/_mock/reset";
  r.body = "{}";
  HttpResult result = Send(ca_file_, r);
  ASSERT_TRUE(result.response);
  ASSERT_EQ(result.response->status, 200);
}

std::string MockControl::Stats() {
  HttpRequest r;
  r.method = "GET";
  r.url = origin_ + "/_mock/stats";
  HttpResult result = Send(ca_file_, r);
  EXPECT_TRUE(result.response);
  return result.response ? result.response->body : std::string();
}

int64_t MockControl::Total(const std::string& name) {
  const std::string stats = Stats();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(stats).get(root) != simdjson::SUCCESS) return -1;
  int64_t value = 0;
  if (root["totals"][name].get_int64().get(value) != simdjson::SUCCESS) return 0;
  return value;
}

int MockControl::RawChat(const std::string& key, const std::string& body) {
  HttpRequest r;
  r.url = origin_ + "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}};
  r.body = body;
  HttpResult result = Send(ca_file_, r);
  return result.response ? result.response->status : 0;
}

std::string ChatBody(const std::string& text, const std::string& model, int max_tokens) {
  std::string body = "{\"model\":" + JsonString(model) + ",\"messages\":[{\"role\":\"user\",\"content\":" +
                     JsonString(text) + "}]";
  if (max_tokens > 0) body += ",\"max_tokens\":" + std::to_string(max_tokens);
  return body + "}";
}

}  // namespace llmgate::testing
