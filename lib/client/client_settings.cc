#include "client/client_settings.h"

#include <cstdlib>

namespace llmgate::internal {
namespace {

std::string OrEnv(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* env = std::getenv(variable);
  return env ? std::string(env) : std::string();
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string ResolveBaseUrl(const Options& options) {
  std::string url = OrEnv(options.base_url, "OPENAI_BASE_URL");
  if (url.empty()) url = kDefaultBaseUrl;
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

Result<ClientSettings> ResolveClientSettings(const Options& options) {
  ClientSettings s;
  s.base_url = ResolveBaseUrl(options);
  if (!StartsWith(s.base_url, "http://") && !StartsWith(s.base_url, "https://"))
    return InvalidArgumentError("base_url must start with http:// or https://, got '" + s.base_url + "'");
  s.organization = OrEnv(options.organization, "OPENAI_ORG_ID");
  s.project = OrEnv(options.project, "OPENAI_PROJECT_ID");
  s.api_style = options.api_style;
  s.azure_api_version = OrEnv(options.azure_api_version, "OPENAI_API_VERSION");
  if (s.api_style == ApiStyle::kAzure && s.azure_api_version.empty())
    return InvalidArgumentError("Azure needs an api-version: set Options::azure_api_version or $OPENAI_API_VERSION");
  if (options.connect_timeout.count() <= 0 || options.request_timeout.count() <= 0 ||
      options.call_timeout.count() <= 0)
    return InvalidArgumentError("connect_timeout, request_timeout and call_timeout must be positive");
  if (options.max_attempts < 1) return InvalidArgumentError("max_attempts must be at least 1");
  s.connect_timeout_micros = options.connect_timeout.count() * 1000;
  s.request_timeout_micros = options.request_timeout.count() * 1000;
  s.call_timeout_micros = options.call_timeout.count() * 1000;
  s.max_attempts = options.max_attempts;
  s.verify_tls = options.verify_tls;
  s.ca_file = options.ca_file;
  return s;
}

}  // namespace llmgate::internal
