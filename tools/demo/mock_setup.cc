#include "demo/mock_setup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace llmgate::demo {

const std::vector<DemoKey>& DemoKeys() {
  // The mock labels keys by their last 4 characters, so each ends differently.
  static const std::vector<DemoKey> keys = {
      {"sk-demo-main-a-7d1e", "main-a", "org-main"},
      {"sk-demo-main-b-2c9f", "main-b", "org-main"},
      {"sk-demo-slow-5b40", "slow", "throttled"},
      {"sk-demo-revoked-e833", "revoked", "revoked"},
  };
  return keys;
}

const DemoKey& OtherTeamKey() {
  static const DemoKey key = {"sk-demo-other-team-91ca", "other", "org-slow, not llmgate's"};
  return key;
}

std::string MockLabel(const std::string& key) { return "..." + key.substr(key.size() - 4); }

bool WriteKeyFile(const std::string& path, std::string* error) {
  // No organization is declared: llmgate learns it from the server's openai-organization
  // header, so main-a and main-b end up drawing from one shared group limit.
  std::string text = "# llmgate demo keys (fake; only the mock server accepts them)\n";
  for (const DemoKey& k : DemoKeys()) text += k.key + "  label=" + k.label + "\n";
  // Created 0600 from the start: a key file must never be readable by others, even briefly.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = close(fd) == 0 && ok;
  if (!ok) *error = "cannot write " + path;
  return ok;
}

std::unique_ptr<mock::MockOpenAiProcess> StartMock(std::string* error) {
  const std::vector<DemoKey>& k = DemoKeys();
  auto limits = [](int64_t rpm, int64_t tpm) {
    return "{\"rpm\":" + std::to_string(rpm) + ",\"tpm\":" + std::to_string(tpm) +
           ",\"ipm\":0,\"rpd\":0,\"tpd\":0}";
  };
  mock::LaunchOptions options;
  // A network-like delay before admission and between stream events, so that requests
  // overlap and a cache hit visibly beats a call.
  options.config_json = std::string("{\"keys\":[") +                                              //
                        "{\"key\":\"" + k[0].key + "\",\"organization\":\"" + kMainOrg + "\"}," +  //
                        "{\"key\":\"" + k[1].key + "\",\"organization\":\"" + kMainOrg + "\"}," +  //
                        "{\"key\":\"" + k[2].key + "\",\"organization\":\"" + kSlowOrg + "\"}," +  //
                        "{\"key\":\"" + k[3].key + "\",\"status\":\"invalid\"}," +                 //
                        "{\"key\":\"" + OtherTeamKey().key + "\",\"organization\":\"" + kSlowOrg + "\"}]," +  //
                        "\"organizations\":{\"" + kMainOrg + "\":" + limits(kMainRpm, kMainTpm) + ",\"" + kSlowOrg +
                        "\":" + limits(kSlowRpm, 2000) + "}," +
                        "\"faults\":{\"latency_ms\":20,\"latency_jitter_ms\":20,\"stream_chunk_delay_ms\":3}}";
  // Each kept-alive connection holds a server thread: room for every worker thread.
  options.extra_args = {"--threads", "256"};
  return mock::MockOpenAiProcess::Start(options, error);
}

}  // namespace llmgate::demo
