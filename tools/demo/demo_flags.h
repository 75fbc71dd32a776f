// Command-line flags of llmgate_demo.
#ifndef LLMGATE_TOOLS_DEMO_DEMO_FLAGS_H_
#define LLMGATE_TOOLS_DEMO_DEMO_FLAGS_H_

#include <string>

namespace llmgate::demo {

struct DemoFlags {
  int workers = 4;                       // worker processes sharing one state directory
  int seconds = 20;                      // how long the workers send requests
  std::string output_dir = "demo-output";  // report copy, CSVs, gnuplot script, chart
  std::string state_dir;                 // "": a new temporary directory
  bool keep = false;                     // keep the state directory afterwards
  bool chart = true;                     // run the utilization benchmark and draw the chart
  int chart_seconds = 30;                // the benchmark's measured window per side
  int chart_warmup = 15;                 // its warm-up per side
  std::string bench_binary;              // "": the llmgate_utilization_bench built with the demo
};

// The usage text printed by --help and after a bad flag.
std::string DemoUsage();

// Parses argv. Returns false with an empty *error for --help, with a message for a bad flag.
bool ParseDemoFlags(int argc, char** argv, DemoFlags* flags, std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_DEMO_FLAGS_H_
