#include "testing/mock_control.h"

#include <gtest/gtest.h>

#include <utility>

namespace llmgate::testing {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

MockControl::MockControl(std::string origin, std::string ca_file) : client_(std::move(origin), std::move(ca_file)) {}

void MockControl::Configure(const std::string& json) {
  std::string error;
  ASSERT_TRUE(client_.Configure(json, &error)) << "mock config failed: " << error;
}

void MockControl::Reset() {
  std::string error;
  ASSERT_TRUE(client_.Reset(&error)) << "mock reset failed: " << error;
}

std::string MockControl::Stats() {
  // The text whatever the status: a test comparing it shows the server's own words.
  mock::MockReply reply = client_.Send("/_mock/stats", false);
  EXPECT_NE(reply.status, 0) << "GET /_mock/stats: " << reply.transport_error;
  return reply.body;
}

int64_t MockControl::Total(const std::string& name) {
  mock::MockStats stats;
  std::string error;
  // -1 tells an unreadable answer from a counter that is absent (0).
  if (!mock::ParseMockStats(Stats(), &stats, &error)) return -1;
  return stats.totals.Get(name);
}

int MockControl::RawChat(const std::string& key, const std::string& body) {
  return client_.Send("/v1/chat/completions", true, body,
                      {"Content-Type: application/json", "Authorization: Bearer " + key})
      .status;
}

std::string ChatBody(const std::string& text, const std::string& model, int max_tokens) {
  std::string body = "{\"model\":" + JsonString(model) + ",\"messages\":[{\"role\":\"user\",\"content\":" +
                     JsonString(text) + "}]";
  if (max_tokens > 0) body += ",\"max_tokens\":" + std::to_string(max_tokens);
  return body + "}";
}

}  // namespace llmgate::testing
