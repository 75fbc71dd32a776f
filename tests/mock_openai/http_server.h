// The HTTP(S) front end: accepts connections and hands every request to the App. The only
// part of the mock that sees the HTTP library, so only http_server.cc compiles against it.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_HTTP_SERVER_H_
#define LLMGATE_TESTS_MOCK_OPENAI_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "app.h"
#include "flags.h"

namespace llmgate::mock {

class HttpServer {
 public:
  HttpServer(App* app, const Options& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS files (when given) and binds the listening socket. Sets `*port` to the
  // bound port, which is the chosen one when options.port is 0.
  bool Bind(int* port, std::string* error);

  // Serves until Stop() is called. Returns false if the server failed.
  bool Run();

  // Safe to call from any thread, before or during Run().
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_HTTP_SERVER_H_
