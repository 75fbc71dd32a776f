// The libcurl implementation of HttpTransport.
//
// One transport serves a whole process: Start() may be called from any number of threads at
// once. Kept-alive connections and TLS sessions are reused across calls and threads, so a
// steady stream of requests costs no new TCP or TLS handshakes. After fork() a child never
// touches the parent's connections (they are the parent's sockets: a TLS close_notify sent
// by the child would end the parent's session); it opens its own on first use.
//
// An exchange keeps what it uses alive, so it may outlive the transport that started it.
#ifndef LLMGATE_LIB_HTTP_CURL_TRANSPORT_H_
#define LLMGATE_LIB_HTTP_CURL_TRANSPORT_H_

#include <cstddef>
#include <memory>
#include <string>

#include "http/transport.h"
#include "llmgate/status.h"

namespace llmgate::internal {

struct CurlTransportConfig {
  // Default true: verify the server's certificate chain and host name. false only for tests
  // against self-signed servers.
  bool verify_tls = true;
  // Default empty (the system's CA bundle): a PEM file of CAs to trust instead.
  std::string ca_file;
  // Default empty: "llmgate/<version>".
  std::string user_agent;
  // Default 256 MiB: a (decompressed) body larger than this is aborted with kTooLarge (not
  // retried: the same request would bring it again), to bound the memory a broken or hostile
  // server can make us use.
  size_t max_body_bytes = size_t{256} << 20;
};

// Initializes libcurl for the process (once, thread-safe) and returns a transport. Proxies
// come from the environment (http_proxy, https_proxy, no_proxy) as libcurl reads them.
// Fails only when libcurl cannot be initialized.
Result<std::unique_ptr<HttpTransport>> MakeCurlTransport(const CurlTransportConfig& config);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_CURL_TRANSPORT_H_
