// How a libcurl result maps onto the transport failures the retry policy understands.
#ifndef LLMGATE_LIB_HTTP_CURL_ERRORS_H_
#define LLMGATE_LIB_HTTP_CURL_ERRORS_H_

#include <curl/curl.h>

#include "http/retry_policy.h"

namespace llmgate::internal {

// For a failed transfer (code != CURLE_OK). Codes that say nothing was sent (DNS, refused,
// a URL or protocol curl cannot use) are kConnect; TLS and certificate failures kTls;
// timeouts kTimeout; everything else, a connection that broke with the request possibly
// processed, kDropped.
TransportFailure CurlCodeToFailure(CURLcode code);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_CURL_ERRORS_H_
