// What the mock believes about keys, organizations, limits and faults. Loaded from the
// --config file at start and patched at run time through POST /_mock/config; both take the
// same JSON, described in README.md.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_CONFIG_H_
#define LLMGATE_TESTS_MOCK_OPENAI_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace llmgate::mock {

enum class KeyStatus { kOk, kInvalid, kInsufficientQuota };

struct KeyConfig {
  std::string key;
  // Keys of one organization share its buckets, as they do at OpenAI.
  std::string organization;
  KeyStatus status = KeyStatus::kOk;
};

// Per-minute and per-day limits. 0 means unlimited (no bucket, no headers for it).
struct Limits {
  int64_t rpm = 0;
  int64_t tpm = 0;
  int64_t ipm = 0;
  int64_t rpd = 0;
  int64_t tpd = 0;

  bool operator==(const Limits& o) const {
    return rpm == o.rpm && tpm == o.tpm && ipm == o.ipm && rpd == o.rpd && tpd == o.tpd;
  }
};

struct OrgConfig {
  Limits limits;
  // Models listed here get buckets of their own inside the organization (OpenAI limits are
  // per organization and model); every other model shares the organization's buckets.
  std::map<std::string, Limits> models;
};

struct Faults {
  double error_rate_500 = 0;
  double error_rate_503 = 0;
  int64_t latency_ms = 0;
  int64_t latency_jitter_ms = 0;
  // Fraction of admitted answers whose connection is closed after part of the body.
  double drop_connection_rate = 0;
  bool omit_ratelimit_headers = false;
  bool ratelimit_headers_minus_one = false;
  // Drops retry-after-ms and retry-after from 429 answers.
  bool omit_retry_after = false;
  // When > 0, injected 5xx answers carry retry-after-ms / retry-after with this delay.
  int64_t error_retry_after_ms = 0;
  int64_t stream_chunk_delay_ms = 0;
  // Statuses for the next API requests, one each, in order (e.g. [503, 503]). Consumed by
  // the fault injector; kept here only while a config is being applied.
  std::vector<int> fail_next;
};

struct Config {
  uint64_t seed = 1;
  // Charged (and used as the answer's cap) when a request has no max_tokens.
  int64_t default_max_tokens = 16;
  // Accept any "sk-..." key not listed in `keys`. True by default; a config that lists
  // keys turns it off unless it says otherwise.
  bool accept_any_key = true;
  std::string default_organization = "org-mock";
  // Limits of every organization not listed in `organizations`: generous on purpose.
  Limits default_limits{/*rpm=*/10000, /*tpm=*/10000000, /*ipm=*/1000, /*rpd=*/0, /*tpd=*/0};
  std::vector<KeyConfig> keys;
  std::map<std::string, OrgConfig> organizations;
  Faults faults;

  const KeyConfig* FindKey(std::string_view key) const;

  // The limits that apply to `model` in `org`, and the name of the bucket scope they live
  // in ("org" or "org/model").
  Limits LimitsFor(const std::string& org, const std::string& model, std::string* scope) const;
};

// Parses `json` and applies the sections it contains on top of `*config`: scalar settings
// and fault fields override one by one, `keys` replaces the key list, and each organization
// named under `organizations` replaces that organization's limits. On error returns false,
// sets `*error` and leaves `*config` untouched.
bool ApplyConfigJson(std::string_view json, Config* config, std::string* error);

// The effective configuration as JSON. Keys appear only by label (see KeyLabel).
std::string ConfigToJson(const Config& config);

// How keys appear in stats, logs and error messages: never the key itself.
std::string KeyLabel(std::string_view key);

const char* KeyStatusName(KeyStatus status);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_CONFIG_H_
