#include "http/transport.h"

#include <utility>

namespace llmgate::internal {

HttpResult ReadWhole(HttpExchange& exchange) {
  HttpResult result;
  // An exchange that stops without saying why is still a failure, not an empty answer.
  auto failure = [&exchange] {
    if (exchange.error()) return *exchange.error();
    return TransportError{TransportFailure::kDropped, false, "the exchange ended without a response"};
  };
  if (!exchange.AwaitHeaders()) {
    result.error = failure();
    return result;
  }
  HttpResponse response;
  response.status = exchange.status();
  response.headers = exchange.headers();
  while (exchange.ReadBody(&response.body)) {
  }
  if (exchange.error()) {
    result.error = *exchange.error();
    return result;
  }
  result.response = std::move(response);
  return result;
}

}  // namespace llmgate::internal
