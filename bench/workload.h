// Realistic request and response bodies for benchmarks and the demo.
#ifndef LLMGATE_BENCH_WORKLOAD_H_
#define LLMGATE_BENCH_WORKLOAD_H_

#include <string>

namespace llmgate::bench {

// A chat completion request of about 2 KiB (system prompt, a short conversation,
// sampling parameters and one function tool), unique per `i`.
std::string ChatRequest(int i);

// The same request, built into *out (whose capacity is reused), as an application builds the
// body of each call just before making it.
void BuildChatRequest(int i, std::string* out);

// A chat completion response of about `bytes` bytes with a usage block.
std::string ChatResponse(int i, size_t bytes = 1024);

// A fresh directory for benchmark state under $TMPDIR (or /tmp), named after the prefix and
// this process; removed by RemoveTree. Removes first what killed runs left under the same
// prefix (directories of this user whose process no longer exists).
std::string MakeTempDir(const char* prefix);
void RemoveTree(const std::string& path);

}  // namespace llmgate::bench

#endif  // LLMGATE_BENCH_WORKLOAD_H_
