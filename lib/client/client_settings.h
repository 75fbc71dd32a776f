// The client's settings once the environment has filled in what Options left empty, as
// the official SDKs read it: OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID,
// OPENAI_API_VERSION. (Keys: keys/key_sources.h.)
#ifndef LLMGATE_LIB_CLIENT_CLIENT_SETTINGS_H_
#define LLMGATE_LIB_CLIENT_CLIENT_SETTINGS_H_

#include <string>

#include "llmgate/options.h"
#include "llmgate/status.h"

namespace llmgate::internal {

inline constexpr char kDefaultBaseUrl[] = "https://api.openai.com/v1";

// Options::base_url, else $OPENAI_BASE_URL, else the OpenAI API; without trailing '/'.
std::string ResolveBaseUrl(const Options& options);

struct ClientSettings {
  std::string base_url;
  std::string organization;
  std::string project;
  ApiStyle api_style = ApiStyle::kOpenAI;
  std::string azure_api_version;
  int64_t connect_timeout_micros = 0;
  int64_t request_timeout_micros = 0;
  int64_t call_timeout_micros = 0;
  int max_attempts = 3;
  bool verify_tls = true;
  std::string ca_file;
};

// kInvalidArgument for settings that cannot work (a base URL that is not http(s), Azure
// without an api-version, timeouts or attempts below 1).
Result<ClientSettings> ResolveClientSettings(const Options& options);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CLIENT_CLIENT_SETTINGS_H_
