// The HTTP transport the client sends through, behind an interface so that the pipeline
// can be tested with a scripted fake. The real one is libcurl (curl_transport.h).
//
// An exchange is pulled: the caller waits for the headers, then reads the body piece by
// piece as it arrives, which serves both whole answers and event streams.
#ifndef LLMGATE_LIB_HTTP_TRANSPORT_H_
#define LLMGATE_LIB_HTTP_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/headers.h"
#include "http/retry_policy.h"

namespace llmgate::internal {

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute, query included
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t connect_timeout_micros = 10'000'000;
  // Time of the whole exchange, body included; 0 = none.
  int64_t total_timeout_micros = 0;
  // Checked while waiting for the network (at least every 100 ms): when it becomes true the
  // exchange is aborted and reports kCancelled.
  const std::atomic<bool>* cancelled = nullptr;
};

// Why an exchange failed below HTTP. kCancelled when HttpRequest::cancelled was set.
struct TransportError {
  std::optional<TransportFailure> failure;  // empty when cancelled
  bool cancelled = false;
  std::string detail;  // the transport's description, no secrets
};

// One request in flight, driven by one thread.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;

  // Waits until the status line and headers of the final response have arrived. false:
  // the exchange failed (error() says why) and nothing more can be read.
  virtual bool AwaitHeaders() = 0;
  virtual int status() const = 0;                // valid after AwaitHeaders() returned true
  virtual const HttpHeaders& headers() const = 0;  // likewise

  // Appends the next piece of the body to *out as soon as some has arrived (decompressed).
  // false at the end of the body, or when the exchange failed: then error() is set.
  virtual bool ReadBody(std::string* out) = 0;

  // Set once the exchange has failed (connect, TLS, timeout, dropped mid-body, cancelled).
  virtual const std::optional<TransportError>& error() const = 0;

  // Connections this exchange had to open (0 when it reused a kept-alive one).
  virtual int64_t new_connections() const = 0;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Starts sending; never fails here (failures surface in AwaitHeaders/ReadBody).
  virtual std::unique_ptr<HttpExchange> Start(HttpRequest request) = 0;
};

// A complete answer, for callers that do not stream.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

// Runs an exchange to its end. Returns the error instead when it failed at any point
// (a body cut short is a failure: kDropped).
struct HttpResult {
  std::optional<HttpResponse> response;
  std::optional<TransportError> error;
};
HttpResult ReadWhole(HttpExchange& exchange);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_TRANSPORT_H_
