// Starts and stops mock_openai as a child process, for C++ tests, benchmarks and demos:
//
//   std::string error;
//   auto mock = llmgate::mock::MockOpenAiProcess::Start({}, &error);
//   ASSERT_NE(mock, nullptr) << error;
//   client.SetBaseUrl(mock->base_url());   // "http://127.0.0.1:PORT/v1"
//   ...                                    // the destructor stops the server
//
// #include "mock_openai/launcher.h" and link the CMake target mock_openai_launcher; it
// builds mock_openai and knows where it is. The server is started with --watch-parent, so it exits if the test process
// dies.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_LAUNCHER_H_
#define LLMGATE_TESTS_MOCK_OPENAI_LAUNCHER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace llmgate::mock {

struct LaunchOptions {
  // Empty: $LLMGATE_MOCK_OPENAI if set, else the mock_openai built with this tree.
  std::string binary;
  // The config JSON (see README.md); empty: defaults (any "sk-..." key, generous limits).
  std::string config_json;
  // A directory made by MakeTestCertificates(): serve HTTPS with its server.crt and
  // server.key; clients trust <tls_dir>/ca.crt.
  std::string tls_dir;
  std::vector<std::string> extra_args;
  // Forward the server's stdout ("listening on ...") to ours instead of discarding it.
  bool show_output = false;
  int startup_timeout_ms = 10000;
};

class MockOpenAiProcess {
 public:
  // Returns null and sets `*error` when the server could not start.
  static std::unique_ptr<MockOpenAiProcess> Start(const LaunchOptions& options, std::string* error);

  ~MockOpenAiProcess();
  MockOpenAiProcess(const MockOpenAiProcess&) = delete;
  MockOpenAiProcess& operator=(const MockOpenAiProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool tls() const { return tls_; }
  // "http://127.0.0.1:PORT" (https with TLS); the API lives under /v1, the control
  // endpoints under /_mock.
  std::string origin() const;
  // origin() + "/v1": what an OpenAI client takes as its base URL.
  std::string base_url() const { return origin() + "/v1"; }

  // SIGTERM, then SIGKILL when it has not exited after `timeout_ms`. Returns the exit
  // status (0 for a clean stop), or -1 when it had to be killed. Idempotent.
  int Stop(int timeout_ms = 5000);

 private:
  MockOpenAiProcess() = default;

  pid_t pid_ = -1;
  int port_ = 0;
  bool tls_ = false;
  int exit_status_ = -1;
  std::string dir_;  // temporary directory holding the port file and config
};

// Runs make_test_cert.sh: writes ca.crt, ca.key, server.crt and server.key to `out_dir`.
bool MakeTestCertificates(const std::string& out_dir, std::string* error);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_LAUNCHER_H_
