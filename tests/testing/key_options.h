// Gate options for the key-pool tests: the keys come from the options alone.
#ifndef LLMGATE_TESTING_KEY_OPTIONS_H_
#define LLMGATE_TESTING_KEY_OPTIONS_H_

#include <stdlib.h>

#include <string>
#include <vector>

#include "llmgate/keys.h"
#include "llmgate/options.h"

namespace llmgate::testing {

// Unsets the variables a gate would also take keys from, so that a developer's own key
// cannot join the pool a test builds.
inline void UnsetKeyEnvironment() {
  unsetenv("OPENAI_API_KEY");
  unsetenv("OPENAI_API_KEYS");
  unsetenv("LLMGATE_KEYS_FILE");
}

// The keys as specs with nothing else set.
inline std::vector<ApiKeySpec> KeySpecs(const std::vector<std::string>& keys) {
  std::vector<ApiKeySpec> specs;
  for (const std::string& k : keys) {
    ApiKeySpec spec;
    spec.key = k;
    specs.push_back(spec);
  }
  return specs;
}

// Options of a gate in `state_dir` with these keys and a scripted transport: a base URL
// nothing answers at, no limits from the environment, no cache (every call reaches the pool).
inline Options ScriptedKeyPoolOptions(const std::string& state_dir, const std::vector<std::string>& keys) {
  Options o;
  o.state_dir = state_dir;
  o.base_url = "https://api.example.test/v1";
  o.keys = KeySpecs(keys);
  o.limits_from_env = false;
  o.cache_enabled = false;
  return o;
}

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_KEY_OPTIONS_H_
