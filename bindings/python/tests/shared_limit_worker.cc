// The C++ process of test_shared_limit: the same protocol as shared_limit_worker.py, with
// the limits read from $LLMGATE_LIMITS the way a C++ program usually gets them.
//
// Usage: llmgate_shared_limit_worker STATE_DIR BASE_URL NAME ATTEMPTS
#include <llmgate/llmgate.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s STATE_DIR BASE_URL NAME ATTEMPTS\n", argv[0]);
    return 2;
  }
  llmgate::Options options;
  options.state_dir = argv[1];
  options.base_url = argv[2];
  options.api_key = "sk-test-shared";
  auto gate = llmgate::Gate::Open(options);
  if (!gate.ok()) {
    std::fprintf(stderr, "%s\n", gate.status().ToString().c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  std::string go;
  std::getline(std::cin, go);

  const std::string name = argv[3];
  const int attempts = std::stoi(argv[4]);
  int ok = 0, denied = 0, other = 0;
  llmgate::CallOptions call;
  call.timeout = std::chrono::seconds(10);
  for (int i = 0; i < attempts; ++i) {
    const std::string body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":")" + name +
                             " request " + std::to_string(i) + R"("}]})";
    auto r = (*gate)->client().ChatCompletions(body, call);
    if (r.ok()) {
      ++ok;
    } else if (r.status().code() == llmgate::StatusCode::kDeadlineExceeded) {
      ++denied;
    } else {
      ++other;
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    }
  }
  // The same shape as the Python workers' line ("other" counts instead of messages).
  std::printf("{\"ok\": %d, \"denied\": %d, \"other\": %d}\n", ok, denied, other);
  return 0;
}
