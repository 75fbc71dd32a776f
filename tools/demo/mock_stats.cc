#include "demo/mock_stats.h"

#include <curl/curl.h>
#include <simdjson.h>

namespace llmgate::demo {
namespace {

size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// A missing counter is zero: the mock lists an outcome only once it happened.
int64_t Field(simdjson::dom::element object, const char* name) {
  int64_t v = 0;
  if (object[name].get(v)) return 0;
  return v;
}

ServerCounts Counts(simdjson::dom::element object) {
  ServerCounts c;
  c.requests = Field(object, "requests");
  c.ok = Field(object, "ok");
  c.http_429 = Field(object, "http_429");
  c.http_401 = Field(object, "401");
  c.admitted_requests = Field(object, "admitted_requests");
  c.admitted_tokens = Field(object, "admitted_tokens");
  return c;
}

std::string Text(simdjson::dom::element object, const char* name) {
  std::string_view v;
  if (object[name].get(v)) return "";
  return std::string(v);
}

}  // namespace

bool FetchServerStats(const std::string& origin, ServerStats* stats, std::string* error) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    *error = "curl_easy_init failed";
    return false;
  }
  std::string body;
  const std::string url = origin + "/_mock/stats";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK || status != 200) {
    *error = "GET " + url + ": " + (rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(status));
    return false;
  }
  return ParseServerStats(body, stats, error);
}

bool ParseServerStats(const std::string& json, ServerStats* stats, std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(json).get(root); e) {
    *error = std::string("mock stats are not JSON: ") + simdjson::error_message(e);
    return false;
  }
  *stats = ServerStats();
  simdjson::dom::element totals;
  if (root["totals"].get(totals)) {
    *error = "mock stats have no totals";
    return false;
  }
  stats->totals = Counts(totals);
  for (const char* group : {"keys", "orgs"}) {
    simdjson::dom::object members;
    if (root[group].get(members)) continue;
    auto& out = group[0] == 'k' ? stats->keys : stats->orgs;
    for (auto [name, value] : members) out[std::string(name)] = Counts(value);
  }
  simdjson::dom::array series;
  if (!root["series"].get(series)) {
    for (simdjson::dom::element entry : series) {
      ServerSecond s;
      s.t = Field(entry, "t");
      s.key = Text(entry, "key");
      s.org = Text(entry, "org");
      s.requests = Field(entry, "requests");
      s.admitted_requests = Field(entry, "admitted_requests");
      s.admitted_tokens = Field(entry, "admitted_tokens");
      s.http_429 = Field(entry, "http_429");
      stats->series.push_back(std::move(s));
    }
  }
  return true;
}

}  // namespace llmgate::demo
