#include "testing/scripted_transport.h"

namespace llmgate::testing {
namespace {

using internal::HttpExchange;
using internal::HttpHeaders;
using internal::HttpRequest;
using internal::TransportError;

class ScriptedExchange : public HttpExchange {
 public:
  explicit ScriptedExchange(Scripted s) : s_(std::move(s)) {
    for (const auto& [n, v] : s_.headers) headers_.Add(n, v);
    if (s_.failure) error_ = TransportError{s_.failure, false, s_.failure_detail};
  }
  bool AwaitHeaders() override { return !s_.failure; }
  int status() const override { return s_.status; }
  const HttpHeaders& headers() const override { return headers_; }
  bool ReadBody(std::string* out) override {
    if (read_ || s_.failure) return false;
    read_ = true;
    out->append(s_.body);
    return true;
  }
  const std::optional<TransportError>& error() const override { return error_; }
  int64_t new_connections() const override { return 0; }

 private:
  Scripted s_;
  HttpHeaders headers_;
  std::optional<TransportError> error_;
  bool read_ = false;
};

class ScriptedTransport : public internal::HttpTransport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  std::unique_ptr<HttpExchange> Start(HttpRequest request) override {
    std::lock_guard<std::mutex> lock(script_->mu);
    script_->sent.push_back(request);
    Scripted next;
    if (!script_->answers.empty()) {
      next = script_->answers.front();
      script_->answers.pop_front();
    } else if (script_->responder) {
      next = script_->responder(request);
    } else {
      next = OkAnswer();
    }
    return std::make_unique<ScriptedExchange>(std::move(next));
  }

 private:
  std::shared_ptr<Script> script_;
};

}  // namespace

Scripted OkAnswer() {
  Scripted s;
  s.body =
      R"({"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})";
  s.headers = {{"x-request-id", "req_ok"}};
  return s;
}

Scripted Answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers) {
  Scripted s;
  s.status = status;
  s.body = std::move(body);
  s.headers = std::move(headers);
  s.headers.emplace_back("x-request-id", "req_" + std::to_string(status));
  return s;
}

std::unique_ptr<internal::HttpTransport> MakeScriptedTransport(std::shared_ptr<Script> script) {
  return std::make_unique<ScriptedTransport>(std::move(script));
}

std::string HeaderOf(const HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (internal::EqualsIgnoreCase(n, name)) return v;
  return "";
}

}  // namespace llmgate::testing
