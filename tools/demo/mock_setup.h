// The demo's world: the mock OpenAI server's limits and the four API keys the workers share.
#ifndef LLMGATE_TOOLS_DEMO_MOCK_SETUP_H_
#define LLMGATE_TOOLS_DEMO_MOCK_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mock_openai/launcher.h"

namespace llmgate::demo {

// The organization the good keys share, and its limits (what the report measures against).
inline constexpr const char* kMainOrg = "org-main";
inline constexpr int64_t kMainRpm = 600;
inline constexpr int64_t kMainTpm = 40000;
// The throttled key's organization: a tiny limit, so it meets 429s and cools down.
inline constexpr const char* kSlowOrg = "org-slow";
inline constexpr int64_t kSlowRpm = 6;

struct DemoKey {
  std::string key;    // the (fake) secret
  std::string label;  // how llmgate shows it
  std::string role;   // what the mock does with it, for the report
};

// main-a and main-b (org-main), slow (org-slow, throttled), revoked (401 invalid_api_key).
const std::vector<DemoKey>& DemoKeys();

// A key of org-slow that llmgate is not given: another team's, which keeps org-slow's
// shared limit used up (see other_team.h). That is what throttles key slow.
const DemoKey& OtherTeamKey();

// How the mock names a key in /_mock/stats: "..." and its last 4 characters.
std::string MockLabel(const std::string& key);

// Writes the key file (one key a line with its label; mode 0600, as a key file should be).
bool WriteKeyFile(const std::string& path, std::string* error);

// Starts the mock with the demo's config; null with *error on failure.
std::unique_ptr<mock::MockOpenAiProcess> StartMock(std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_MOCK_SETUP_H_
