// Running the helper programs of the demo (the utilization benchmark, gnuplot).
#ifndef LLMGATE_TOOLS_DEMO_SUBPROCESS_H_
#define LLMGATE_TOOLS_DEMO_SUBPROCESS_H_

#include <string>
#include <vector>

namespace llmgate::demo {

// The full path of `name` in $PATH (or `name` itself when it holds a '/' and is
// executable); "" when there is none.
std::string FindProgram(const std::string& name);

// Runs argv (argv[0] a path) and waits for it. Its stdout goes to *out when out is not
// null (else to ours); its stderr is ours, so its progress shows. Returns its exit status,
// or -1 with *error when it could not be run or was killed by a signal.
int RunProgram(const std::vector<std::string>& argv, std::string* out, std::string* error);

}  // namespace llmgate::demo

#endif  // LLMGATE_TOOLS_DEMO_SUBPROCESS_H_
