#include "utilization/http_session.h"

#include <curl/curl.h>
#include <strings.h>

#include <cctype>
#include <string_view>

namespace llmgate::bench {
namespace {

// Keeps the two retry hints; other headers are of no use here.
void ReadHeader(std::string_view line, void* user) {
  auto* reply = static_cast<HttpReply*>(user);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::string value(line.substr(colon + 1));
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    if (strcasecmp(name.c_str(), "retry-after-ms") == 0) reply->retry_after_ms = value;
    if (strcasecmp(name.c_str(), "retry-after") == 0) reply->retry_after = value;
  } else if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue): forget the hints of the previous one.
    reply->retry_after_ms.reset();
    reply->retry_after.reset();
  }
}

}  // namespace

HttpSession::HttpSession() : curl_(curl_easy_init()) {}

HttpSession::~HttpSession() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpReply HttpSession::Send(const std::string& url, bool post, const std::string& body,
                            const std::vector<std::string>& headers, long timeout_ms) {
  HttpReply reply;
  if (curl_ == nullptr) {
    reply.transport_error = "curl_easy_init failed";
    return reply;
  }
  curl_easy_reset(static_cast<CURL*>(curl_));  // keeps the connection cache: the connection stays alive
  // The header callback fills the hints while the request runs; the rest comes back at the end.
  static_cast<mock::MockReply&>(reply) =
      mock::SendOnHandle(curl_, url, post, body, headers, timeout_ms, /*ca_file=*/{}, &ReadHeader, &reply);
  return reply;
}

}  // namespace llmgate::bench
