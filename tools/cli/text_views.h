// The terminal screens: the sections of `status`, also used alone by `quota show`,
// `keys list` and `cache stats`.
#ifndef LLMGATE_TOOLS_CLI_TEXT_VIEWS_H_
#define LLMGATE_TOOLS_CLI_TEXT_VIEWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cli/snapshot.h"

namespace llmgate::cli {

// Scope, limit name, source, used / limit, remaining, reset in (relative to now).
std::string LimitsTable(const std::vector<LimitUsage>& limits, int64_t now_micros);

// Label, group, state, in flight, requests, success rate, 429s, p50/p99, last error.
// `with_fingerprints` adds the fingerprint (the name commands accept besides the label).
std::string KeysTable(const std::vector<KeyHealth>& keys, int64_t now_micros, bool with_fingerprints);

std::string CacheTable(const CacheStats& stats);
std::string ClientTable(const SharedClientStats& stats);

// The whole `status` screen.
std::string StatusScreen(const Snapshot& s);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_TEXT_VIEWS_H_
