// Another team's application on org-slow, outside llmgate. It spends the organization's
// whole limit before the run and then asks faster than the limit refills, so key slow
// (same organization, same buckets) finds the limit used up and meets 429s, as a key shared
// with a busy neighbour does. The demo's parent process drives it between its other work.
#ifndef LLMGATE_TOOLS_DEMO_OTHER_TEAM_H_
#define LLMGATE_TOOLS_DEMO_OTHER_TEAM_H_

#include <cstdint>
#include <string>

namespace llmgate::demo {

class OtherTeam {
 public:
  explicit OtherTeam(std::string base_url);
  ~OtherTeam();
  OtherTeam(const OtherTeam&) = delete;
  OtherTeam& operator=(const OtherTeam&) = delete;

  // Sends requests until the server answers 429 (the bucket is empty). False when the
  // server could not be reached or never throttled.
  bool Drain(std::string* error);

  // Sends one request when `interval_us` has passed since the last one.
  void Tick(int64_t now_us, int64_t interval_us = 2'000'000);

 private:
  long Send();  // the HTTP status, 0 when the request failed

  std::string base_url_;
  void* curl_;  // CURL*, kept so the connection is reused
  int64_t last_us_ = 0;
};

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_OTHER_TEAM_H_
