// Calls to the API: call options, the named calls, any endpoint, streaming, responses.
#include <strings.h>

#include <chrono>
#include <string>

#include "c_internal.h"

using llmgate::c_api::CallOptionsOf;
using llmgate::c_api::Guarded;
using llmgate::c_api::SaveError;
using llmgate::c_api::View;

namespace {

using CallFn = llmgate::Result<llmgate::Response> (llmgate::Client::*)(std::string_view,
                                                                        const llmgate::CallOptions&);

llmgate_response_t* Finish(llmgate::Result<llmgate::Response> r, char** errptr) {
  if (!r.ok()) {
    SaveError(errptr, r.status());
    return nullptr;
  }
  return new llmgate_response_t{std::move(r).value()};
}

llmgate_response_t* Call(llmgate_t* gate, CallFn fn, const char* request, size_t request_len,
                         const llmgate_calloptions_t* options, char** errptr) {
  return Guarded<llmgate_response_t*>(errptr, nullptr, [&] {
    return Finish((gate->rep->client().*fn)(View(request, request_len), CallOptionsOf(options)), errptr);
  });
}

}  // namespace

extern "C" {

llmgate_calloptions_t* llmgate_calloptions_create(void) {
  auto* options = new llmgate_calloptions_t;
  options->rep.cancelled = &options->cancelled;
  return options;
}

void llmgate_calloptions_destroy(llmgate_calloptions_t* options) { delete options; }

void llmgate_calloptions_set_timeout_ms(llmgate_calloptions_t* o, int64_t ms) {
  o->rep.timeout = std::chrono::milliseconds(ms);
}
void llmgate_calloptions_set_max_attempts(llmgate_calloptions_t* o, int attempts) { o->rep.max_attempts = attempts; }
void llmgate_calloptions_set_idempotency_key(llmgate_calloptions_t* o, const char* key) {
  o->rep.idempotency_key = View(key);
}
void llmgate_calloptions_add_header(llmgate_calloptions_t* o, const char* name, const char* value) {
  o->rep.headers.emplace_back(View(name), View(value));
}
void llmgate_calloptions_set_skip_cache_read(llmgate_calloptions_t* o, unsigned char v) {
  o->rep.cache.skip_read = v;
}
void llmgate_calloptions_set_skip_cache_write(llmgate_calloptions_t* o, unsigned char v) {
  o->rep.cache.skip_write = v;
}
void llmgate_calloptions_set_cache_ttl_s(llmgate_calloptions_t* o, int64_t seconds) {
  o->rep.cache.ttl = std::chrono::seconds(seconds);
}
void llmgate_calloptions_set_cache_namespace(llmgate_calloptions_t* o, const char* ns) {
  o->rep.cache.cache_namespace = View(ns);
}
void llmgate_calloptions_cancel(llmgate_calloptions_t* o) { o->cancelled.store(true); }

llmgate_response_t* llmgate_chat(llmgate_t* gate, const char* request, size_t request_len,
                                 const llmgate_calloptions_t* options, char** errptr) {
  return Call(gate, &llmgate::Client::ChatCompletions, request, request_len, options, errptr);
}

llmgate_response_t* llmgate_embeddings(llmgate_t* gate, const char* request, size_t request_len,
                                       const llmgate_calloptions_t* options, char** errptr) {
  return Call(gate, &llmgate::Client::Embeddings, request, request_len, options, errptr);
}

llmgate_response_t* llmgate_images(llmgate_t* gate, const char* request, size_t request_len,
                                   const llmgate_calloptions_t* options, char** errptr) {
  return Call(gate, &llmgate::Client::ImageGenerations, request, request_len, options, errptr);
}

llmgate_response_t* llmgate_responses(llmgate_t* gate, const char* request, size_t request_len,
                                      const llmgate_calloptions_t* options, char** errptr) {
  return Call(gate, &llmgate::Client::Responses, request, request_len, options, errptr);
}

llmgate_response_t* llmgate_request(llmgate_t* gate, const char* method, const char* path, const char* body,
                                    size_t body_len, const char* content_type, unsigned char cacheable,
                                    const llmgate_calloptions_t* options, char** errptr) {
  return Guarded<llmgate_response_t*>(errptr, nullptr, [&] {
    llmgate::HttpCall call;
    if (method != nullptr) call.method = method;
    call.path = View(path);
    call.body = View(body, body_len);
    if (content_type != nullptr) call.content_type = content_type;
    call.cacheable = cacheable;
    return Finish(gate->rep->client().Request(call, CallOptionsOf(options)), errptr);
  });
}

llmgate_response_t* llmgate_chat_stream(llmgate_t* gate, const char* request, size_t request_len,
                                        llmgate_chunk_fn on_chunk, void* state, const llmgate_calloptions_t* options,
                                        char** errptr) {
  return Guarded<llmgate_response_t*>(errptr, nullptr, [&] {
    auto r = gate->rep->client().StreamChatCompletions(
        View(request, request_len),
        [&](std::string_view chunk) { return on_chunk == nullptr || on_chunk(state, chunk.data(), chunk.size()) != 0; },
        CallOptionsOf(options));
    return Finish(std::move(r), errptr);
  });
}

void llmgate_response_destroy(llmgate_response_t* response) { delete response; }

const char* llmgate_response_body(const llmgate_response_t* r, size_t* len) {
  if (len != nullptr) *len = r->rep.body.size();
  return r->rep.body.c_str();
}
int llmgate_response_http_status(const llmgate_response_t* r) { return r->rep.http_status; }
unsigned char llmgate_response_from_cache(const llmgate_response_t* r) { return r->rep.from_cache; }
const char* llmgate_response_request_id(const llmgate_response_t* r) { return r->rep.request_id.c_str(); }
const char* llmgate_response_key_label(const llmgate_response_t* r) { return r->rep.key_label.c_str(); }
int llmgate_response_attempts(const llmgate_response_t* r) { return r->rep.attempts; }
int64_t llmgate_response_prompt_tokens(const llmgate_response_t* r) { return r->rep.usage.prompt_tokens; }
int64_t llmgate_response_completion_tokens(const llmgate_response_t* r) { return r->rep.usage.completion_tokens; }
int64_t llmgate_response_total_tokens(const llmgate_response_t* r) { return r->rep.usage.total_tokens; }
int64_t llmgate_response_images(const llmgate_response_t* r) { return r->rep.usage.images; }

const char* llmgate_response_header(const llmgate_response_t* r, const char* name) {
  if (name == nullptr) return nullptr;
  for (const auto& [key, value] : r->rep.headers) {
    if (strcasecmp(key.c_str(), name) == 0) return value.c_str();
  }
  return nullptr;
}

}  // extern "C"
