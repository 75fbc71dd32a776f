#include "http/curl_errors.h"

namespace llmgate::internal {

TransportFailure CurlCodeToFailure(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
#if LIBCURL_VERSION_NUM >= 0x074900
    case CURLE_PROXY:  // the proxy refused the tunnel: the request never left
#endif
      return TransportFailure::kConnect;

    case CURLE_OPERATION_TIMEDOUT:
      return TransportFailure::kTimeout;

    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
#if LIBCURL_VERSION_NUM >= 0x074900
    case CURLE_SSL_CLIENTCERT:
#endif
      return TransportFailure::kTls;

    // CURLE_RECV_ERROR, SEND_ERROR, GOT_NOTHING, PARTIAL_FILE (a body cut short),
    // BAD_CONTENT_ENCODING (a compressed body cut short), HTTP2 stream resets, ...
    default:
      return TransportFailure::kDropped;
  }
}

}  // namespace llmgate::internal
