// Edits of a request body the client makes for the caller: a streamed chat completion is
// sent with "stream": true and stream_options.include_usage, so that the final chunk
// carries the usage the reservation is reconciled with.
#ifndef LLMGATE_LIB_CLIENT_REQUEST_BODY_H_
#define LLMGATE_LIB_CLIENT_REQUEST_BODY_H_

#include <string>
#include <string_view>

#include "llmgate/status.h"

namespace llmgate::internal {

struct StreamBody {
  std::string json;              // the body to send
  bool caller_wants_usage = false;  // the request itself set stream_options.include_usage
};

// `request_json` (a JSON object) with "stream": true and stream_options.include_usage set;
// other stream_options are kept. kInvalidArgument for a body that is not a JSON object.
Result<StreamBody> MakeStreamBody(std::string_view request_json);

// Whether the body sets "stream": true. false for anything that is not a JSON object.
bool RequestsStream(std::string_view request_json);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CLIENT_REQUEST_BODY_H_
