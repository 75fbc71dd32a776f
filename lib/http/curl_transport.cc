// An exchange is one easy handle driven by its own multi handle on the caller's thread:
// AwaitHeaders() and ReadBody() run curl_multi_perform until what they wait for has arrived,
// and between runs wait on the sockets in slices short enough to notice a cancellation.
#include "http/curl_transport.h"

#include <curl/curl.h>

#include <atomic>
#include <string_view>
#include <utility>
#include <vector>

#include "http/curl_errors.h"
#include "http/curl_pool.h"
#include "llmgate/version.h"

#if LIBCURL_VERSION_NUM < 0x074200
#error "llmgate needs libcurl 7.66 or newer (curl_multi_poll)"
#endif

namespace llmgate::internal {
namespace {

// How long one wait for the network may last, so that a cancellation is noticed in time.
constexpr int kWaitSliceMs = 100;

int64_t MicrosToMillisUp(int64_t micros) { return (micros + 999) / 1000; }

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsBlank(std::string_view line) { return line.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// "HTTP/1.1 200 OK" -> 200; 0 when the line does not parse.
int ParseStatusCode(std::string_view line) {
  size_t space = line.find(' ');
  if (space == std::string_view::npos || line.size() < space + 4) return 0;
  int code = 0;
  for (size_t i = space + 1; i < space + 4; ++i) {
    char c = line[i];
    if (c < '0' || c > '9') return 0;
    code = code * 10 + (c - '0');
  }
  return code;
}

class CurlExchange final : public HttpExchange {
 public:
  // Takes over one reference to `pool`.
  CurlExchange(CurlPool* pool, size_t max_body_bytes, HttpRequest request)
      : pool_(pool), max_body_bytes_(max_body_bytes), request_(std::move(request)) {}
  ~CurlExchange() override;

  // Prepares the transfer; a failure leaves the exchange ended with error() set.
  void Begin(const CurlTransportConfig& config);

  bool AwaitHeaders() override;
  int status() const override { return status_; }
  const HttpHeaders& headers() const override { return headers_; }
  bool ReadBody(std::string* out) override;
  const std::optional<TransportError>& error() const override { return error_; }
  int64_t new_connections() const override { return new_connections_; }

 private:
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);

  CURLcode SetOptions(const CurlTransportConfig& config, CURL* easy);
  template <typename Ready>
  bool Drive(Ready ready);
  void CollectFinished();
  void Finish(CURLcode code);
  void Fail(TransportFailure failure, std::string detail);
  void Cancel();
  void ReleaseSlot();
  bool cancelled() const {
    return request_.cancelled != nullptr && request_.cancelled->load(std::memory_order_relaxed);
  }

  CurlPool* pool_;
  const size_t max_body_bytes_;
  HttpRequest request_;  // the body and header list below must live as long as the transfer
  curl_slist* header_list_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};

  CurlSlot* slot_ = nullptr;  // null before Begin() and once the transfer ended
  bool ended_ = false;
  int line_status_ = 0;  // status of the response whose headers are arriving
  bool headers_done_ = false;
  int status_ = 0;
  HttpHeaders headers_;
  std::string body_;  // arrived and not yet read
  size_t body_total_ = 0;
  bool body_too_large_ = false;
  std::optional<TransportError> error_;
  int64_t new_connections_ = 0;
};

CurlExchange::~CurlExchange() {
  // Abandoned mid-transfer: removing the handle closes its connection, which cannot be
  // reused with an unread response on it.
  ReleaseSlot();
  curl_slist_free_all(header_list_);
  pool_->Unref();
}

void CurlExchange::Begin(const CurlTransportConfig& config) {
  if (!pool_->OwnedByThisProcess()) {
    // A fork child could not make a pool of its own; the parent's must stay untouched.
    ended_ = true;
    error_ = TransportError{TransportFailure::kConnect, false, "libcurl could not allocate a handle"};
    return;
  }
  for (const auto& [name, value] : request_.headers) {
    // A line break would let one header smuggle others into the request.
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) {
      ended_ = true;
      error_ = TransportError{TransportFailure::kConnect, false, "invalid request header name or value"};
      return;
    }
  }
  slot_ = pool_->Acquire();
  if (slot_ == nullptr) {
    ended_ = true;
    error_ = TransportError{TransportFailure::kConnect, false, "libcurl could not allocate a handle"};
    return;
  }
  CURLcode rc = SetOptions(config, slot_->easy);
  if (rc != CURLE_OK) {
    ReleaseSlot();
    error_ = TransportError{TransportFailure::kConnect, false,
                            std::string("cannot set up the request: ") + curl_easy_strerror(rc)};
    return;
  }
  CURLMcode mc = curl_multi_add_handle(slot_->multi, slot_->easy);
  if (mc != CURLM_OK) {
    // Not added: give the slot back directly so ReleaseSlot() does not remove it.
    curl_easy_reset(slot_->easy);
    pool_->Release(slot_);
    slot_ = nullptr;
    ended_ = true;
    error_ = TransportError{TransportFailure::kConnect, false, curl_multi_strerror(mc)};
  }
}

CURLcode CurlExchange::SetOptions(const CurlTransportConfig& config, CURL* easy) {
  CURLcode rc = CURLE_OK;
  // Keeps the first failure; later calls are skipped.
#define LLMGATE_SETOPT(option, value)                 \
  do {                                                \
    if (rc == CURLE_OK) rc = curl_easy_setopt(easy, option, value); \
  } while (0)

  LLMGATE_SETOPT(CURLOPT_URL, request_.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  LLMGATE_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
  LLMGATE_SETOPT(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  // Signals are process-wide and this runs on the caller's threads.
  LLMGATE_SETOPT(CURLOPT_NOSIGNAL, 1L);
  LLMGATE_SETOPT(CURLOPT_ERRORBUFFER, error_buffer_);
  if (request_.connect_timeout_micros > 0) {
    LLMGATE_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(MicrosToMillisUp(request_.connect_timeout_micros)));
  }
  if (request_.total_timeout_micros > 0) {
    LLMGATE_SETOPT(CURLOPT_TIMEOUT_MS, static_cast<long>(MicrosToMillisUp(request_.total_timeout_micros)));
  }
  // Every encoding this libcurl decodes; the body reaches the caller decompressed.
  LLMGATE_SETOPT(CURLOPT_ACCEPT_ENCODING, "");
  LLMGATE_SETOPT(CURLOPT_SSL_VERIFYPEER, config.verify_tls ? 1L : 0L);
  LLMGATE_SETOPT(CURLOPT_SSL_VERIFYHOST, config.verify_tls ? 2L : 0L);
  if (!config.ca_file.empty()) LLMGATE_SETOPT(CURLOPT_CAINFO, config.ca_file.c_str());
  std::string agent = config.user_agent.empty() ? "llmgate/" LLMGATE_VERSION_STRING : config.user_agent;
  LLMGATE_SETOPT(CURLOPT_USERAGENT, agent.c_str());  // libcurl copies strings
  // Each slot holds its own connection, so HTTP/2 multiplexing would gain nothing here.
  LLMGATE_SETOPT(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  // A proxy's CONNECT answer is not the response.
  LLMGATE_SETOPT(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  // A completion can be silent for minutes before its first byte; keep NATs from dropping it.
  LLMGATE_SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
  LLMGATE_SETOPT(CURLOPT_TCP_KEEPIDLE, 30L);
  LLMGATE_SETOPT(CURLOPT_TCP_KEEPINTVL, 15L);
  if (max_body_bytes_ > 0) {
    // Stops early when Content-Length already says too much; OnBody counts the rest.
    LLMGATE_SETOPT(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_body_bytes_));
  }
  LLMGATE_SETOPT(CURLOPT_HEADERFUNCTION, &CurlExchange::OnHeader);
  LLMGATE_SETOPT(CURLOPT_HEADERDATA, this);
  LLMGATE_SETOPT(CURLOPT_WRITEFUNCTION, &CurlExchange::OnBody);
  LLMGATE_SETOPT(CURLOPT_WRITEDATA, this);

  const std::string& method = request_.method;
  bool has_body = !request_.body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (has_body) {
    LLMGATE_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_.body.size()));
    LLMGATE_SETOPT(CURLOPT_POSTFIELDS, request_.body.c_str());
    if (method != "POST") LLMGATE_SETOPT(CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "GET") {
    LLMGATE_SETOPT(CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    LLMGATE_SETOPT(CURLOPT_NOBODY, 1L);
  } else {
    LLMGATE_SETOPT(CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  std::vector<std::string> lines;
  bool has_content_type = false;
  for (const auto& [name, value] : request_.headers) {
    has_content_type = has_content_type || EqualsIgnoreCase(name, "Content-Type");
    // "Name:" would tell libcurl to drop the header; "Name;" sends it empty.
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  // A 100-continue round trip only costs time against an API that reads every body.
  lines.push_back("Expect:");
  // libcurl would otherwise label a body application/x-www-form-urlencoded.
  if (has_body && !has_content_type) lines.push_back("Content-Type:");
  for (const std::string& line : lines) {
    curl_slist* next = curl_slist_append(header_list_, line.c_str());
    if (next == nullptr) return CURLE_OUT_OF_MEMORY;
    header_list_ = next;
  }
  LLMGATE_SETOPT(CURLOPT_HTTPHEADER, header_list_);
#undef LLMGATE_SETOPT
  return rc;
}

size_t CurlExchange::OnHeader(char* data, size_t size, size_t count, void* self) {
  auto* ex = static_cast<CurlExchange*>(self);
  size_t n = size * count;
  std::string_view line(data, n);
  if (ex->headers_done_) return n;  // trailers of a chunked body: not part of the headers
  if (line.size() >= 5 && line.compare(0, 5, "HTTP/") == 0) {
    ex->line_status_ = ParseStatusCode(line);
    ex->headers_.AddLine(line);  // clears what an earlier (interim) response left
  } else if (IsBlank(line)) {
    // The end of a header block; 1xx answers are interim, another block follows.
    if (ex->line_status_ >= 200) {
      ex->headers_done_ = true;
      ex->status_ = ex->line_status_;
    }
  } else {
    ex->headers_.AddLine(line);
  }
  return n;
}

size_t CurlExchange::OnBody(char* data, size_t size, size_t count, void* self) {
  auto* ex = static_cast<CurlExchange*>(self);
  size_t n = size * count;
  ex->body_total_ += n;
  if (ex->max_body_bytes_ > 0 && ex->body_total_ > ex->max_body_bytes_) {
    ex->body_too_large_ = true;
    return 0;  // anything but n aborts the transfer
  }
  ex->body_.append(data, n);
  return n;
}

// True once the headers arrived, even if the transfer failed right after: the caller still
// learns the status, and ReadBody() reports the failure.
bool CurlExchange::AwaitHeaders() {
  return Drive([this] { return headers_done_; });
}

bool CurlExchange::ReadBody(std::string* out) {
  if (!headers_done_ && !AwaitHeaders()) return false;
  if (!Drive([this] { return !body_.empty(); })) return false;
  out->append(body_);
  body_.clear();
  return true;
}

// Runs the transfer until ready() holds. false when it ended first (or failed).
template <typename Ready>
bool CurlExchange::Drive(Ready ready) {
  if (!ready() && !ended_ && !pool_->OwnedByThisProcess()) {
    // Started before fork(): the connection is the parent's.
    Fail(TransportFailure::kDropped, "the exchange was started in another process (fork)");
    return false;
  }
  while (!ready()) {
    if (ended_) return false;
    if (cancelled()) {
      Cancel();
      return false;
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(slot_->multi, &running);
    if (mc == CURLM_OK) {
      CollectFinished();
      if (ready() || ended_) continue;
      mc = curl_multi_poll(slot_->multi, nullptr, 0, kWaitSliceMs, nullptr);
    }
    if (mc != CURLM_OK) Fail(TransportFailure::kDropped, curl_multi_strerror(mc));
  }
  return true;
}

void CurlExchange::CollectFinished() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(slot_->multi, &left)) {
    if (msg->msg == CURLMSG_DONE) {
      Finish(msg->data.result);
      return;
    }
  }
}

void CurlExchange::Finish(CURLcode code) {
  if (code == CURLE_OK && !headers_done_) {
    Fail(TransportFailure::kDropped, "the connection ended before a response arrived");
  } else if (body_too_large_ || code == CURLE_FILESIZE_EXCEEDED) {
    Fail(TransportFailure::kTooLarge,
         "response body larger than max_body_bytes (" + std::to_string(max_body_bytes_) + " bytes)");
  } else if (code != CURLE_OK) {
    Fail(CurlCodeToFailure(code), error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(code));
  } else {
    ReleaseSlot();
  }
}

void CurlExchange::Fail(TransportFailure failure, std::string detail) {
  ReleaseSlot();
  if (!error_) error_ = TransportError{failure, false, std::move(detail)};
}

void CurlExchange::Cancel() {
  ReleaseSlot();
  if (!error_) error_ = TransportError{std::nullopt, true, "cancelled"};
}

void CurlExchange::ReleaseSlot() {
  ended_ = true;
  if (slot_ == nullptr) return;
  CurlSlot* slot = slot_;
  slot_ = nullptr;
  // The parent's handles are left alone in a fork child: touching them could send data on
  // the parent's connections.
  if (!pool_->OwnedByThisProcess()) return;
  long connects = 0;
  if (curl_easy_getinfo(slot->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK) new_connections_ = connects;
  // A finished transfer returns its connection to the multi's cache; an unfinished one
  // closes it.
  curl_multi_remove_handle(slot->multi, slot->easy);
  pool_->Release(slot);
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport(CurlPool* pool, CurlTransportConfig config) : config_(std::move(config)), pool_(pool) {}
  ~CurlTransport() override { pool_.load()->Unref(); }

  std::unique_ptr<HttpExchange> Start(HttpRequest request) override {
    auto exchange = std::make_unique<CurlExchange>(CurrentPool(), config_.max_body_bytes, std::move(request));
    exchange->Begin(config_);
    return exchange;
  }

 private:
  // This process's pool with a reference for the caller. A fork child replaces the
  // parent's pool with a fresh one and leaks the old (never cleans it up).
  CurlPool* CurrentPool() {
    CurlPool* pool = pool_.load(std::memory_order_acquire);
    while (!pool->OwnedByThisProcess()) {
      CurlPool* fresh = CurlPool::Create();
      if (fresh == nullptr) break;  // Begin() reports it, leaving the parent's pool alone
      if (pool_.compare_exchange_strong(pool, fresh, std::memory_order_acq_rel)) {
        pool = fresh;
        break;
      }
      fresh->Unref();  // another thread of this child won; `pool` now holds its pool
    }
    pool->Ref();
    return pool;
  }

  const CurlTransportConfig config_;
  std::atomic<CurlPool*> pool_;
};

}  // namespace

Result<std::unique_ptr<HttpTransport>> MakeCurlTransport(const CurlTransportConfig& config) {
  Status init = EnsureCurlInitialized();
  if (!init.ok()) return init;
  CurlPool* pool = CurlPool::Create();
  if (pool == nullptr) return InternalError("libcurl could not create a share handle");
  return std::unique_ptr<HttpTransport>(std::make_unique<CurlTransport>(pool, config));
}

}  // namespace llmgate::internal
