// Command-line options of the mock_openai program.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_FLAGS_H_
#define LLMGATE_TESTS_MOCK_OPENAI_FLAGS_H_

#include <cstdint>
#include <string>

namespace llmgate::mock {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  std::string config_file;
  // Every open connection holds a worker thread for as long as it is kept alive, so the
  // pool must exceed the number of client connections a benchmark opens.
  int threads = 64;
  int keep_alive_timeout_s = 5;
  int keep_alive_max = 10000;
  // Exit when the process that started the mock goes away, so a crashed test leaves no
  // server behind.
  bool watch_parent = false;
  bool log_requests = false;
  bool help = false;
};

// Returns false and sets `*error` on an unknown flag or a bad value.
bool ParseFlags(int argc, char** argv, Options* options, std::string* error);

const char* Usage();

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_FLAGS_H_
