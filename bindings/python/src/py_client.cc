// The API calls of the Python Gate: chat, embeddings, images, responses, any endpoint, and
// chat streams read chunk by chunk as the server sends them.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "llmgate/client.h"
#include "py_callbacks.h"
#include "py_convert.h"
#include "py_gate.h"
#include "py_options.h"

namespace llmgate::python {
namespace {

// A pull stream and the gate it reads from. It holds its own reference to the gate, so a
// stream keeps working when the gate is closed under it, and lets it go without the GIL.
class PyChatStream {
 public:
  explicit PyChatStream(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  ~PyChatStream() { Close(); }

  // Sends the request (cache lookup, quota, HTTP up to the answer's headers) without the GIL.
  void Open(const std::string& body, const CallOptions& options) {
    std::optional<Result<std::unique_ptr<ChatStream>>> r;
    {
      py::gil_scoped_release nogil;
      r.emplace(gate_->client().OpenChatStream(body, options));
    }
    if (!r->ok()) Raise(r->status());
    stream_ = std::move(*r).value();
  }

  // The next chunk's JSON as bytes, or None once the stream has ended, was closed, or
  // failed (after raising that failure once). Waits for the server without the GIL.
  py::object Next() {
    if (done_) return py::none();
    std::optional<Result<std::optional<std::string>>> r;
    std::optional<Response> finished;
    {
      py::gil_scoped_release nogil;
      // One reader at a time, and Close (from another thread) waits for it.
      std::lock_guard<std::mutex> lock(mu_);
      if (stream_ != nullptr) {
        r.emplace(stream_->Next());
        if (r->ok() && !r->value().has_value()) finished = stream_->response();
      }
    }
    if (!r.has_value()) {
      done_ = true;  // closed
      return py::none();
    }
    if (!r->ok()) {
      done_ = true;
      Raise(r->status());
    }
    if (finished.has_value()) {
      done_ = true;
      response_ = std::move(finished);  // kept: it outlives close()
      return py::none();
    }
    return py::bytes(*r->value());
  }

  // The assembled answer once the stream has ended.
  const Response& response() const {
    if (!response_.has_value()) throw py::value_error("the stream has not ended yet");
    return *response_;
  }

  // Stops reading (an unfinished transfer is aborted) and lets the gate go, without the
  // GIL (aborting and settling the quota touch the network and SQLite).
  void Close() {
    if (PythonGone()) {  // no other thread runs Python any more
      stream_.reset();
      gate_.reset();
      return;
    }
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(mu_);
    stream_.reset();  // before the gate it reads from
    gate_.reset();
  }

 private:
  std::shared_ptr<Gate> gate_;          // guarded by mu_ once the stream is open
  std::unique_ptr<ChatStream> stream_;  // guarded by mu_
  std::mutex mu_;
  // Touched with the GIL held only.
  std::optional<Response> response_;
  bool done_ = false;
};

using CallFn = Result<Response> (Client::*)(std::string_view, const CallOptions&);

// A named call: body and call options in, the Response out.
auto NamedCall(CallFn fn) {
  return [fn](const PyGate& self, const std::string& body, const py::dict& options) {
    const CallOptions call = CallOptionsFromDict(options);
    return self.Blocking([&](Gate& g) { return (g.client().*fn)(body, call); });
  };
}

}  // namespace

void RegisterClient(py::module_& m, GateClass& gate) {
  py::class_<Response>(m, "Response", "One answer (use llmgate.Response, which wraps it).")
      .def_property_readonly("body", [](const Response& r) { return py::bytes(r.body); })
      .def_readonly("http_status", &Response::http_status)
      .def_property_readonly("headers",
                             [](const Response& r) {
                               py::list out;
                               for (const auto& [k, v] : r.headers) out.append(py::make_tuple(Str(k), Str(v)));
                               return out;
                             })
      .def_property_readonly("request_id", [](const Response& r) { return Str(r.request_id); })
      .def_readonly("from_cache", &Response::from_cache)
      .def_property_readonly("usage", [](const Response& r) { return UsageDict(r.usage); })
      .def_readonly("attempts", &Response::attempts)
      .def_property_readonly("key_label", [](const Response& r) { return Str(r.key_label); });

  py::class_<PyChatStream>(m, "ChatStream", "A chat stream (use llmgate.ChatStream, which wraps it).")
      .def("next", &PyChatStream::Next, "The next chunk's JSON (bytes), or None at the end.")
      .def_property_readonly("response", &PyChatStream::response, py::return_value_policy::copy)
      .def("close", &PyChatStream::Close);

  gate.def("chat", NamedCall(&Client::ChatCompletions), py::arg("body"), py::arg("options"))
      .def("embeddings", NamedCall(&Client::Embeddings), py::arg("body"), py::arg("options"))
      .def("images", NamedCall(&Client::ImageGenerations), py::arg("body"), py::arg("options"))
      .def("responses", NamedCall(&Client::Responses), py::arg("body"), py::arg("options"))
      .def(
          "request",
          [](const PyGate& self, const std::string& method, const std::string& path, const std::string& body,
             const std::string& content_type, bool cacheable, const py::dict& options) {
            HttpCall call;
            call.method = method;
            call.path = path;
            call.body = body;
            call.content_type = content_type;
            call.cacheable = cacheable;
            const CallOptions call_options = CallOptionsFromDict(options);
            return self.Blocking([&](Gate& g) { return g.client().Request(call, call_options); });
          },
          py::arg("method"), py::arg("path"), py::arg("body"), py::arg("content_type"), py::arg("cacheable"),
          py::arg("options"))
      .def(
          "open_chat_stream",
          [](const PyGate& self, const std::string& body, const py::dict& options) {
            const CallOptions call = CallOptionsFromDict(options);
            auto stream = std::make_unique<PyChatStream>(self.Get());
            stream->Open(body, call);
            return stream;
          },
          py::arg("body"), py::arg("options"));
}

}  // namespace llmgate::python
