// The mock's request pipeline, independent of the HTTP library:
//   route -> added latency -> authentication -> injected error -> parse -> rate limits ->
//   answer (possibly cut short by a dropped connection) -> stats.
// Also serves the /_mock/* control endpoints. Thread-safe: the server calls Handle from
// many threads at once.
#ifndef LLMGATE_TESTS_MOCK_OPENAI_APP_H_
#define LLMGATE_TESTS_MOCK_OPENAI_APP_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "config.h"
#include "faults.h"
#include "http_types.h"
#include "rate_limits.h"
#include "stats.h"

namespace llmgate::mock {

class App {
 public:
  explicit App(Config config);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  HttpResponse Handle(const HttpRequest& request);

  // Makes slow streams and injected latency end early so the server can shut down.
  void RequestStop() { stopping_ = true; }
  bool stopping() const { return stopping_; }

 private:
  enum class Endpoint { kChat, kEmbeddings, kImages, kResponses, kModels };
  struct Call;  // the state of one API request as it moves through the pipeline

  std::shared_ptr<const Config> config() const;
  HttpResponse HandleControl(const HttpRequest& request);
  HttpResponse HandleApi(Endpoint endpoint, const HttpRequest& request, const std::string& deployment);

  // Each returns false after filling in the answer when the request stops there.
  bool Authenticate(const HttpRequest& request, Call* call);
  bool InjectError(Call* call);
  bool Admit(const std::string& model, const Cost& cost, bool images, Call* call);

  void Finish(Call* call);
  void Sleep(int64_t ms) const;

  mutable std::mutex config_mu_;
  std::shared_ptr<const Config> config_;
  Limiter limiter_;
  FaultInjector faults_;
  Stats stats_;
  std::atomic<uint64_t> next_serial_{1};
  std::atomic<bool> stopping_{false};
};

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_APP_H_
