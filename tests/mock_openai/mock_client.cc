#include "mock_openai/mock_client.h"

#include <curl/curl.h>
#include <simdjson.h>

#include <string_view>
#include <utility>

namespace llmgate::mock {
namespace {

// The control endpoints answer at once; 10 s only bounds a server that hangs.
constexpr long kTimeoutMs = 10000;
// Connecting to a local server is immediate; 10 s only bounds one that does not listen.
constexpr long kConnectTimeoutMs = 10000;

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Where SendOnHandle's header lines go: libcurl's callback carries one pointer.
struct HeaderSink {
  HeaderLineFn fn;
  void* user;
};

size_t PassHeaderLine(char* data, size_t size, size_t count, void* out) {
  const HeaderSink* sink = static_cast<const HeaderSink*>(out);
  sink->fn(std::string_view(data, size * count), sink->user);
  return size * count;
}

// The error text of a request that did not answer 200: "what: HTTP 500 body" or
// "what: <curl's reason>".
std::string Describe(const std::string& what, const MockReply& reply) {
  if (reply.status == 0) return what + ": " + reply.transport_error;
  return what + ": HTTP " + std::to_string(reply.status) + " " + reply.body;
}

// Sends and checks for 200, the one answer every control endpoint gives on success.
bool SendOk(const MockClient& client, const std::string& what, const std::string& path, bool post,
            const std::string& body, const std::vector<std::string>& headers, MockReply* reply, std::string* error) {
  *reply = client.Send(path, post, body, headers);
  if (reply->status == 200) return true;
  *error = Describe(what, *reply);
  return false;
}

// Every integer member of one counter object; the mock writes only those it counted.
MockCounts Counts(simdjson::dom::object object) {
  MockCounts c;
  for (auto [name, value] : object) {
    int64_t v = 0;
    if (!value.get(v)) c.all[std::string(name)] = v;
  }
  c.requests = c.Get("requests");
  c.ok = c.Get("ok");
  c.http_429 = c.Get("http_429");
  c.http_401 = c.Get("401");
  c.admitted_requests = c.Get("admitted_requests");
  c.admitted_tokens = c.Get("admitted_tokens");
  return c;
}

// A missing counter of a series entry is zero, like in the counter objects.
int64_t Field(simdjson::dom::element object, const char* name) {
  int64_t v = 0;
  if (object[name].get(v)) return 0;
  return v;
}

std::string Text(simdjson::dom::element object, const char* name) {
  std::string_view v;
  if (object[name].get(v)) return "";
  return std::string(v);
}

// One "series" entry; false when it has no second ("t"), which every entry the mock writes has.
bool ParseSecond(simdjson::dom::element entry, MockSecond* s) {
  if (entry["t"].get(s->t)) return false;
  s->key = Text(entry, "key");
  s->org = Text(entry, "org");
  s->requests = Field(entry, "requests");
  s->admitted_requests = Field(entry, "admitted_requests");
  s->admitted_tokens = Field(entry, "admitted_tokens");
  s->http_429 = Field(entry, "http_429");
  return true;
}

}  // namespace

int64_t MockCounts::Get(const std::string& name) const {
  auto it = all.find(name);
  return it == all.end() ? 0 : it->second;
}

MockClient::MockClient(std::string origin, std::string ca_file)
    : origin_(std::move(origin)), ca_file_(std::move(ca_file)) {}

MockReply SendOnHandle(void* handle, const std::string& url, bool post, const std::string& body,
                       const std::vector<std::string>& headers, long timeout_ms, const std::string& ca_file,
                       HeaderLineFn on_header, void* header_user) {
  MockReply reply;
  CURL* curl = static_cast<CURL*>(handle);
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
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based timeouts
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  HeaderSink sink{on_header, header_user};
  if (on_header != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &PassHeaderLine);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  }
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    reply.body.clear();  // a partial answer is no answer
    reply.transport_error = curl_easy_strerror(rc);
    return reply;
  }
  reply.status = static_cast<int>(status);
  return reply;
}

MockReply MockClient::Send(const std::string& path, bool post, const std::string& body,
                           const std::vector<std::string>& headers) const {
  // A fresh handle each time: no connection outlives the call, so a fork in between (the
  // multi-process tests) leaves nothing shared, and a connection the mock dropped on
  // purpose (faults) is never reused.
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    MockReply reply;
    reply.transport_error = "curl_easy_init failed";
    return reply;
  }
  MockReply reply = SendOnHandle(curl, origin_ + path, post, body, headers, kTimeoutMs, ca_file_);
  curl_easy_cleanup(curl);
  return reply;
}

bool MockClient::Configure(const std::string& json, std::string* error) const {
  MockReply reply;
  return SendOk(*this, "POST /_mock/config", "/_mock/config", true, json, {"Content-Type: application/json"},
                &reply, error);
}

bool MockClient::Reset(std::string* error) const {
  MockReply reply;
  // The mock ignores the body; "{}" keeps it valid JSON all the same.
  return SendOk(*this, "POST /_mock/reset", "/_mock/reset", true, "{}", {}, &reply, error);
}

bool MockClient::FetchStats(int64_t since, MockStats* stats, std::string* error) const {
  // Without ?since the mock sends the whole series it keeps (since = 0).
  const std::string path = since > 0 ? "/_mock/stats?since=" + std::to_string(since) : "/_mock/stats";
  MockReply reply;
  if (!SendOk(*this, "GET " + path, path, false, "", {}, &reply, error)) return false;
  return ParseMockStats(reply.body, stats, error);
}

bool ParseMockStats(const std::string& json, MockStats* stats, std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(json).get(root); e) {
    *error = std::string("mock stats are not JSON: ") + simdjson::error_message(e);
    return false;
  }
  *stats = MockStats();
  simdjson::dom::object totals;
  if (root["totals"].get(totals)) {
    *error = "mock stats have no totals";
    return false;
  }
  stats->totals = Counts(totals);
  // A missing "keys" or "orgs" group is read as empty.
  for (const char* group : {"keys", "orgs"}) {
    simdjson::dom::object members;
    if (root[group].get(members)) continue;
    auto& out = group[0] == 'k' ? stats->keys : stats->orgs;
    for (auto [name, value] : members) {
      simdjson::dom::object counters;
      if (!value.get(counters)) out[std::string(name)] = Counts(counters);
    }
  }
  simdjson::dom::array series;
  if (root["series"].get(series)) {
    *error = "mock stats have no series";
    return false;
  }
  for (simdjson::dom::element entry : series) {
    MockSecond s;
    if (!ParseSecond(entry, &s)) {
      *error = "a mock stats series entry has no t";
      return false;
    }
    stats->series.push_back(std::move(s));
  }
  return true;
}

}  // namespace llmgate::mock
