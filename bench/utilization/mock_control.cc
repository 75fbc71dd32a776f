#include "utilization/mock_control.h"

#include <simdjson.h>

#include <map>

namespace llmgate::bench {

bool MockControl::Reset(std::string* error) {
  HttpReply r = http_.Send(origin_ + "/_mock/reset", true, "", {}, 10000);
  if (r.status != 200) {
    *error = "POST /_mock/reset: " + (r.status ? std::to_string(r.status) + " " + r.body : r.transport_error);
    return false;
  }
  return true;
}

bool MockControl::Series(int64_t since, std::vector<SecondStats>* series, std::string* error) {
  HttpReply r = http_.Send(origin_ + "/_mock/stats?since=" + std::to_string(since), false, "", {}, 10000);
  if (r.status != 200) {
    *error = "GET /_mock/stats: " + (r.status ? std::to_string(r.status) + " " + r.body : r.transport_error);
    return false;
  }
  return ParseSeries(r.body, series, error);
}

bool ParseSeries(const std::string& stats_json, std::vector<SecondStats>* series, std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(stats_json).get(root); e) {
    *error = std::string("stats are not JSON: ") + simdjson::error_message(e);
    return false;
  }
  simdjson::dom::array entries;
  if (root["series"].get(entries)) {
    *error = "stats have no series";
    return false;
  }
  std::map<int64_t, SecondStats> by_second;
  for (simdjson::dom::element entry : entries) {
    int64_t t = 0;
    if (entry["t"].get(t)) {
      *error = "a series entry has no t";
      return false;
    }
    SecondStats& s = by_second[t];
    s.t = t;
    // A counter that is missing counts as zero.
    auto add = [&](const char* field, int64_t* sum) {
      int64_t v = 0;
      if (!entry[field].get(v)) *sum += v;
    };
    add("requests", &s.requests);
    add("admitted_requests", &s.admitted_requests);
    add("admitted_tokens", &s.admitted_tokens);
    add("http_429", &s.http_429);
  }
  series->clear();
  for (const auto& [t, s] : by_second) series->push_back(s);
  return true;
}

}  // namespace llmgate::bench
