// Gate options for the tests of the client's pipeline over a scripted transport.
#ifndef LLMGATE_TESTING_SCRIPTED_CLIENT_OPTIONS_H_
#define LLMGATE_TESTING_SCRIPTED_CLIENT_OPTIONS_H_

#include <memory>
#include <string>

#include "llmgate/clock.h"
#include "llmgate/options.h"
#include "testing/log_capture.h"

namespace llmgate::testing {

// Where the gate thinks the API is (nothing answers there), and so its cache namespace.
inline constexpr char kScriptedBaseUrl[] = "https://api.example.test/v1";

// Options of a gate in `state_dir` with one key: a base URL nothing answers at (the
// transport is scripted), no limits from the environment, the test's clock, and every log
// line, down to debug, kept in `logs`.
inline Options ScriptedClientOptions(const std::string& state_dir, const std::string& key,
                                     std::shared_ptr<Clock> clock, LogCapture& logs) {
  Options o;
  o.state_dir = state_dir;
  o.base_url = kScriptedBaseUrl;
  o.api_key = key;
  o.limits_from_env = false;
  o.clock = std::move(clock);
  o.log_sink = logs.Sink();
  o.log_level = LogLevel::kDebug;
  return o;
}

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_SCRIPTED_CLIENT_OPTIONS_H_
