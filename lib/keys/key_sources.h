// Where a gate's keys come from: Options::api_key, Options::keys, a key file
// (Options::keys_file, else $LLMGATE_KEYS_FILE) and, unless Options::keys_from_env is off,
// $OPENAI_API_KEYS (comma-separated) and $OPENAI_API_KEY. Each key is kept once (the first
// spec of a key wins, in that order).
//
// Key file: one key a line, then optional name=value fields separated by white space;
// "#" starts a comment (at the start of a line or after white space):
//
//   sk-proj-abc...
//   sk-proj-def...  label=batch  org=org-1  project=proj_1  limits=rpm=500,tpm=30000
//   sk-ghi...       base_url=https://gateway.example.com/v1
//
// Fields: label, org (or organization), project, base_url, limits (limit specs as in
// LLMGATE_LIMITS, joined by ","; they apply to the key's own scope and may not name one).
#ifndef LLMGATE_LIB_KEYS_KEY_SOURCES_H_
#define LLMGATE_LIB_KEYS_KEY_SOURCES_H_

#include <string>
#include <string_view>
#include <vector>

#include "llmgate/options.h"
#include "llmgate/status.h"
#include "util/logger.h"

namespace llmgate::internal {

// Parses a key file's text. kInvalidArgument names the line and field (never the key).
Result<std::vector<ApiKeySpec>> ParseKeyFile(std::string_view text);

// Every key of the gate. kFailedPrecondition when a named key file cannot be read;
// a file that others can read is logged as a warning.
Result<std::vector<ApiKeySpec>> CollectKeys(const Options& options, const Logger& logger);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_SOURCES_H_
