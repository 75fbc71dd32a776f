// A client of a running mock_openai's control endpoints (/_mock/*), for the tests, the
// utilization benchmark and the demo, which all need to set up the server and read what it
// counted:
//
//   llmgate::mock::MockClient control(mock->origin());
//   std::string error;
//   if (!control.Configure(R"({"faults":{"drop_connection_rate":1}})", &error)) ...
//   llmgate::mock::MockStats stats;
//   if (!control.FetchStats(0, &stats, &error)) ...
//
// Part of the CMake target mock_openai_launcher. It talks HTTP with libcurl directly (not
// through llmgate), so that what it reports is the server's side, whatever llmgate does.
// SendOnHandle is that HTTP on a handle the caller keeps: the utilization benchmark's plain
// clients send their load with it.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_MOCK_CLIENT_H_
#define LLMGATE_TESTS_MOCK_OPENAI_MOCK_CLIENT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace llmgate::mock {

// One answer of the server.
struct MockReply {
  int status = 0;  // 0: no HTTP answer (connection failed, timed out)
  std::string body;
  std::string transport_error;  // set when status is 0
};

// One counter set of /_mock/stats (the totals, one key, one organization). The mock lists a
// counter only once it is non-zero, so a missing one reads as 0.
struct MockCounts {
  int64_t requests = 0;
  int64_t ok = 0;
  int64_t http_429 = 0;  // rate limited (and insufficient_quota)
  int64_t http_401 = 0;  // the counter "401"
  int64_t admitted_requests = 0;
  int64_t admitted_tokens = 0;
  // Every integer counter by its name ("dropped", "429_requests", ...), for callers that
  // ask for one the fields above do not name.
  std::map<std::string, int64_t> all;

  // all[name], or 0 when the server did not list it.
  int64_t Get(const std::string& name) const;
};

// One second of one key in the stats' "series".
struct MockSecond {
  int64_t t = 0;  // unix second
  std::string key;
  std::string org;
  int64_t requests = 0;
  int64_t admitted_requests = 0;
  int64_t admitted_tokens = 0;
  int64_t http_429 = 0;
};

// The parsed answer of GET /_mock/stats.
struct MockStats {
  MockCounts totals;
  std::map<std::string, MockCounts> keys;  // by the mock's label, "..." + last 4 characters
  std::map<std::string, MockCounts> orgs;
  std::vector<MockSecond> series;  // in the server's order: by second, then key
};

// Sees each header line of an answer as it arrives (status lines too, so that a caller can
// tell the headers of a final answer from those of an interim 1xx one), with `user`.
using HeaderLineFn = void (*)(std::string_view line, void* user);

// How MockClient::Send talks HTTP, for a caller that needs its own handle: one request on
// `curl`, an easy handle the caller owns (a CURL*, kept out of this header). MockClient::Send
// passes a fresh handle each time; a load generator reuses one, so that its connection stays
// alive across requests (curl_easy_reset it before each reuse: it keeps the connection, and
// the options left from this call point into it). Sends `headers` (as "Name: value") without
// "Expect: 100-continue", `body` when `post` (else GET); gives up after `timeout_ms` (and
// after 10 s of connecting); never uses signals (safe in threads). `ca_file` (if not empty)
// is trusted for HTTPS; `on_header` (if set) sees the header lines.
MockReply SendOnHandle(void* curl, const std::string& url, bool post, const std::string& body,
                       const std::vector<std::string>& headers, long timeout_ms, const std::string& ca_file = {},
                       HeaderLineFn on_header = nullptr, void* header_user = nullptr);

class MockClient {
 public:
  // `origin`: MockOpenAiProcess::origin(); `ca_file` to trust for an HTTPS mock.
  explicit MockClient(std::string origin, std::string ca_file = {});

  // One request to origin + `path` with a fresh connection, 10 s at most. POST with `body`
  // when `post`, else GET. `headers` as "Name: value".
  MockReply Send(const std::string& path, bool post, const std::string& body = {},
                 const std::vector<std::string>& headers = {}) const;

  // POST /_mock/config with `json` (a patch of the config, see README.md).
  bool Configure(const std::string& json, std::string* error) const;
  // POST /_mock/reset: zeroes the stats, refills every bucket, rewinds the faults.
  bool Reset(std::string* error) const;
  // GET /_mock/stats (?since=`since` when positive: the series from that unix second on).
  bool FetchStats(int64_t since, MockStats* stats, std::string* error) const;

  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::string ca_file_;
};

// Parses the JSON of GET /_mock/stats; false with *error when it is not what the mock sends.
bool ParseMockStats(const std::string& json, MockStats* stats, std::string* error);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_MOCK_CLIENT_H_
