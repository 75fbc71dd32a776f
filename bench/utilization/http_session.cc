#include "utilization/http_session.h"

#include <curl/curl.h>
#include <strings.h>

#include <cctype>

namespace llmgate::bench {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<HttpReply*>(user)->body.append(data, size * count);
  return size * count;
}

// Keeps the two retry hints; other headers are of no use here.
size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<HttpReply*>(user);
  std::string line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    if (strcasecmp(name.c_str(), "retry-after-ms") == 0) reply->retry_after_ms = value;
    if (strcasecmp(name.c_str(), "retry-after") == 0) reply->retry_after = value;
  } else if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue): forget the hints of the previous one.
    reply->retry_after_ms.reset();
    reply->retry_after.reset();
  }
  return size * count;
}

}  // namespace

HttpSession::HttpSession() : curl_(curl_easy_init()) {}

HttpSession::~HttpSession() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpReply HttpSession::Send(const std::string& url, bool post, const std::string& body,
                            const std::vector<std::string>& headers, long timeout_ms) {
  HttpReply reply;
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    reply.transport_error = "curl_easy_init failed";
    return reply;
  }
  curl_easy_reset(curl);  // keeps the connection cache: the connection stays alive
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  // No "Expect: 100-continue" round trip for larger bodies.
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (post) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based timeouts
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    reply.status = 0;
    reply.transport_error = curl_easy_strerror(rc);
    return reply;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  return reply;
}

}  // namespace llmgate::bench
