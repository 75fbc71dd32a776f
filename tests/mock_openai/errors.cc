#include "errors.h"

#include "json_writer.h"

namespace llmgate::mock {

std::string ErrorBody(std::string_view message, std::string_view type, std::string_view param, std::string_view code) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject();
  w.Member("message", message);
  w.Member("type", type);
  w.Key("param");
  param.empty() ? w.Null() : w.String(param);
  w.Key("code");
  code.empty() ? w.Null() : w.String(code);
  w.EndObject().EndObject();
  return w.Take();
}

std::string ServerErrorBody(int status) {
  switch (status) {
    case 500:
      return ErrorBody("The server had an error while processing your request. Sorry about that!", "server_error", "",
                       "");
    case 502:
      return ErrorBody("Bad gateway.", "server_error", "", "");
    case 503:
      return ErrorBody("The engine is currently overloaded, please try again later.", "server_error", "", "");
    case 504:
      return ErrorBody("Gateway timeout.", "server_error", "", "");
    default:
      return ErrorBody("Injected error status " + std::to_string(status) + ".",
                       status >= 500 ? "server_error" : "invalid_request_error", "", "");
  }
}

}  // namespace llmgate::mock
