// Draws the utilization chart with gnuplot: what the server admitted per second for
// llmgate and for the naive clients, against the limit, from the benchmark's CSVs.
#ifndef LLMGATE_TOOLS_DEMO_CHART_H_
#define LLMGATE_TOOLS_DEMO_CHART_H_

#include <string>

#include "demo/bench_run.h"

namespace llmgate::demo {

// The gnuplot script that draws `run` into `png_path` (exposed for tests).
std::string ChartScript(const BenchRun& run, const std::string& png_path);

// Writes the script next to the PNG (<png without .png>.gp) and runs `gnuplot` on it.
bool DrawChart(const std::string& gnuplot, const BenchRun& run, const std::string& png_path, std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_CHART_H_
