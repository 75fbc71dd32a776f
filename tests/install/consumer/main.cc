// Opens a gate through the installed public headers, stores and reads one response.
#include <llmgate/llmgate.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  llmgate::Options options;
  options.state_dir = argv[1];
  auto gate = llmgate::Gate::Open(options);
  if (!gate.ok()) {
    std::fprintf(stderr, "%s\n", gate.status().ToString().c_str());
    return 1;
  }
  const char* body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  if (!(*gate)->cache().Put("/chat/completions", body, R"({"choices":[]})").ok()) return 1;
  auto hit = (*gate)->cache().Get("/chat/completions", body);
  if (!hit.ok() || !hit->has_value()) return 1;
  std::printf("llmgate %s: installed copy works\n", LLMGATE_VERSION_STRING);
  return 0;
}
