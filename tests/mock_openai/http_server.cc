#include "http_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

namespace llmgate::mock {
namespace {

// What a streamed answer still has to send; shared with httplib's content provider,
// which may outlive the handler.
struct StreamState {
  std::vector<std::string> events;
  size_t next = 0;
  size_t drop_at = static_cast<size_t>(-1);
  int64_t delay_ms = 0;
};

// Waits `ms`, giving up early (false) when the server is stopping.
bool Pause(const App& app, int64_t ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (app.stopping()) return false;
    auto left = until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
  }
  return !app.stopping();
}

}  // namespace

struct HttpServer::Impl {
  App* app;
  Options options;
  std::unique_ptr<httplib::Server> server;

  void Serve(const httplib::Request& req, std::string body, httplib::Response& res);
};

void HttpServer::Impl::Serve(const httplib::Request& req, std::string body, httplib::Response& res) {
  HttpRequest in;
  in.method = req.method;
  in.path = req.path;
  for (const auto& [name, value] : req.params) in.query.emplace(name, value);
  in.headers.assign(req.headers.begin(), req.headers.end());
  in.body = std::move(body);

  HttpResponse out = app->Handle(in);
  res.status = out.status;
  for (auto& [name, value] : out.headers) res.set_header(name, value);

  if (out.streaming) {
    auto state = std::make_shared<StreamState>();
    state->events = std::move(out.events);
    state->delay_ms = out.chunk_delay_ms;
    if (out.drop_mid_body) state->drop_at = std::max<size_t>(1, state->events.size() / 2);
    App* app_ptr = app;
    // Each event goes out as its own chunk, written straight to the socket, so a client
    // sees it as soon as it is sent.
    res.set_chunked_content_provider(out.content_type, [state, app_ptr](size_t, httplib::DataSink& sink) {
      if (state->next >= state->events.size()) {
        sink.done();
        return true;
      }
      // Returning false without done() closes the connection mid-stream.
      if (state->next == state->drop_at) return false;
      if (state->next > 0 && state->delay_ms > 0 && !Pause(*app_ptr, state->delay_ms)) return false;
      const std::string& event = state->events[state->next++];
      if (!sink.write(event.data(), event.size())) return false;
      if (state->next == state->events.size()) sink.done();
      return true;
    });
    return;
  }
  if (out.drop_mid_body) {
    // Content-Length announces the whole body; half of it arrives before the close.
    auto payload = std::make_shared<std::string>(std::move(out.body));
    size_t half = std::max<size_t>(1, payload->size() / 2);
    res.set_content_provider(payload->size(), out.content_type,
                             [payload, half](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset >= half) return false;
                               return sink.write(payload->data() + offset, half - offset);
                             });
    return;
  }
  res.set_content(out.body, out.content_type);
}

HttpServer::HttpServer(App* app, const Options& options) : impl_(std::make_unique<Impl>()) {
  impl_->app = app;
  impl_->options = options;
}

HttpServer::~HttpServer() = default;

bool HttpServer::Bind(int* port, std::string* error) {
  const Options& o = impl_->options;
  if (!o.tls_cert.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!tls->is_valid()) {
      *error = "cannot load the TLS certificate or key (" + o.tls_cert + ", " + o.tls_key + ")";
      return false;
    }
    impl_->server = std::move(tls);
  } else {
    impl_->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *impl_->server;
  int threads = o.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_keep_alive_max_count(static_cast<size_t>(o.keep_alive_max));
  s.set_keep_alive_timeout(o.keep_alive_timeout_s);
  // Streamed chunks must not wait for Nagle's algorithm.
  s.set_tcp_nodelay(true);

  // httplib answers with brotli when the client accepts it, at brotli's slowest setting:
  // about 1.5 ms of the server's time per answer, four times what the whole answer costs
  // otherwise, where gzip costs next to nothing. The mock offers gzip only, so that a client
  // that accepts brotli (libcurl does) is not served slower than one that does not.
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    // The request is the server's own object, handed over as const.
    httplib::Headers& headers = const_cast<httplib::Request&>(req).headers;
    auto accepted = headers.find("Accept-Encoding");
    if (accepted != headers.end()) {
      if (accepted->second.find("gzip") != std::string::npos) {
        accepted->second = "gzip";
      } else {
        headers.erase(accepted);
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  Impl* impl = impl_.get();
  auto handler = [impl](const httplib::Request& req, httplib::Response& res) { impl->Serve(req, req.body, res); };
  // Bodies are read through a content reader: httplib would otherwise parse a body sent
  // as application/x-www-form-urlencoded (curl -d's default) and refuse one above 8 KiB.
  auto reading_handler = [impl](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader) {
    std::string body;
    reader([&body](const char* data, size_t size) {
      body.append(data, size);
      return true;
    });
    impl->Serve(req, std::move(body), res);
  };
  // Every path and method goes to the App, which answers unknown ones the way OpenAI does.
  s.Get(".*", handler);
  s.Post(".*", reading_handler);
  s.Put(".*", reading_handler);
  s.Patch(".*", reading_handler);
  s.Delete(".*", reading_handler);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(R"({"error":{"message":"mock server exception","type":"server_error","param":null,"code":null}})",
                    "application/json");
  });
  if (o.log_requests) {
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "mock_openai: %s %s -> %d\n", req.method.c_str(), req.path.c_str(), res.status);
    });
  }

  if (o.port == 0) {
    *port = s.bind_to_any_port(o.host);
    if (*port < 0) {
      *error = "cannot listen on " + o.host;
      return false;
    }
  } else {
    if (!s.bind_to_port(o.host, o.port)) {
      *error = "cannot listen on " + o.host + ":" + std::to_string(o.port);
      return false;
    }
    *port = o.port;
  }
  return true;
}

bool HttpServer::Run() { return impl_->server->listen_after_bind(); }

void HttpServer::Stop() {
  if (impl_->server) impl_->server->stop();
}

}  // namespace llmgate::mock
