// The --json forms of the same data as text_views.h: stable field names, raw numbers
// (µs and ms, counts, fractions) for scripts. Keys appear by label and fingerprint only.
#ifndef LLMGATE_TOOLS_CLI_JSON_VIEWS_H_
#define LLMGATE_TOOLS_CLI_JSON_VIEWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cli/snapshot.h"
#include "util/json_writer.h"

namespace llmgate::cli {

using internal::JsonWriter;

void WriteLimit(JsonWriter& w, const LimitUsage& u, int64_t now_micros);
void WriteKey(JsonWriter& w, const KeyHealth& k, int64_t now_micros);
void WriteCache(JsonWriter& w, const CacheStats& c);
void WriteClient(JsonWriter& w, const SharedClientStats& c);

// {"limits": [...]}, {"keys": [...]}, {"cache": {...}}: what quota show, keys list and
// cache stats print with --json.
std::string LimitsJson(const std::vector<LimitUsage>& limits, int64_t now_micros);
std::string KeysJson(const std::vector<KeyHealth>& keys, int64_t now_micros);
std::string CacheJson(const CacheStats& c);

// The whole status: state_dir, time_micros, limits, keys, cache, client.
std::string StatusJson(const Snapshot& s);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_JSON_VIEWS_H_
