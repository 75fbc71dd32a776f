// `llmgate metrics`: the snapshot in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for a textfile collector
// or a scrape wrapper. Every family has HELP and TYPE lines and its samples together.
#ifndef LLMGATE_TOOLS_CLI_METRICS_H_
#define LLMGATE_TOOLS_CLI_METRICS_H_

#include <string>
#include <string_view>

#include "cli/snapshot.h"

namespace llmgate::cli {

std::string RenderMetrics(const Snapshot& s);

// A label value escaped as the format wants: \ as \\, " as \", newline as \n.
std::string EscapeLabelValue(std::string_view value);

// HELP text escaped: \ as \\, newline as \n.
std::string EscapeHelp(std::string_view text);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_METRICS_H_
