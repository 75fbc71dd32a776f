#include "app.h"

#include <cstdio>
#include <thread>
#include <utility>

#include "answers.h"
#include "errors.h"
#include "handlers.h"
#include "json_writer.h"
#include "requests.h"

namespace llmgate::mock {
namespace {

constexpr const char kRateLimitsDoc[] = "Visit https://platform.openai.com/account/rate-limits to learn more.";

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Hex(uint64_t serial, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*llx", width, static_cast<unsigned long long>(serial));
  return buf;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The API key from "Authorization: Bearer <key>" or, as Azure clients send it, "api-key".
std::string KeyOf(const HttpRequest& request) {
  if (auto auth = request.Header("Authorization")) {
    std::string_view v = Trim(*auth);
    if (v.size() > 7 && (StartsWith(v, "Bearer ") || StartsWith(v, "bearer "))) return std::string(Trim(v.substr(7)));
  }
  if (auto key = request.Header("api-key")) return std::string(Trim(*key));
  return "";
}

std::string JsonStatus(const char* status) {
  JsonWriter w;
  w.BeginObject().Member("status", status).EndObject();
  return w.Take();
}

}  // namespace

struct App::Call {
  std::shared_ptr<const Config> config;
  std::chrono::steady_clock::time_point start;
  uint64_t serial = 0;
  std::string org;
  HttpResponse response;
  Event event;

  void Fail(int status, std::string body, std::string outcome) {
    response.status = status;
    response.body = std::move(body);
    event.outcome = std::move(outcome);
  }
};

App::App(Config config) : faults_(config.seed) {
  faults_.Queue(config.faults.fail_next);
  config.faults.fail_next.clear();
  config_ = std::make_shared<const Config>(std::move(config));
}

std::shared_ptr<const Config> App::config() const {
  std::lock_guard<std::mutex> lock(config_mu_);
  return config_;
}

void App::Sleep(int64_t ms) const {
  // In short steps, so that a shutdown does not wait out a long injected delay.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stopping_ && std::chrono::steady_clock::now() < until) {
    auto left = until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
  }
}

HttpResponse App::Handle(const HttpRequest& request) {
  std::string path = request.path;
  if (StartsWith(path, "/_mock/")) return HandleControl(request);

  // "/v1/chat/completions" and "/chat/completions" are the same endpoint; Azure names the
  // deployment in the path: "/openai/deployments/<name>/chat/completions".
  std::string deployment;
  if (StartsWith(path, "/v1/")) {
    path.erase(0, 3);
  } else if (StartsWith(path, "/openai/deployments/")) {
    size_t start = std::string_view("/openai/deployments/").size();
    size_t slash = path.find('/', start);
    if (slash != std::string::npos) {
      deployment = path.substr(start, slash - start);
      path.erase(0, slash);
    }
  }
  if (path.size() > 1 && path.back() == '/') path.pop_back();

  if (request.method == "POST" && path == "/chat/completions") return HandleApi(Endpoint::kChat, request, deployment);
  if (request.method == "POST" && path == "/embeddings") return HandleApi(Endpoint::kEmbeddings, request, deployment);
  if (request.method == "POST" && path == "/images/generations") {
    return HandleApi(Endpoint::kImages, request, deployment);
  }
  if (request.method == "POST" && path == "/responses") return HandleApi(Endpoint::kResponses, request, deployment);
  if (request.method == "GET" && path == "/models") return HandleApi(Endpoint::kModels, request, deployment);

  HttpResponse res;
  res.status = 404;
  res.body = ErrorBody("Invalid URL (" + request.method + " " + request.path + ")", "invalid_request_error", "", "");
  Event e;
  e.key_label = KeyLabel(KeyOf(request));
  e.outcome = "404";
  stats_.Record(e, UnixNow());
  return res;
}

bool App::Authenticate(const HttpRequest& request, Call* call) {
  const Config& cfg = *call->config;
  std::string key = KeyOf(request);
  call->event.key_label = KeyLabel(key);
  if (key.empty()) {
    call->Fail(401,
               ErrorBody("You didn't provide an API key. You need to provide your API key in an Authorization header "
                         "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                         "invalid_request_error", "", ""),
               "401");
    return false;
  }
  std::optional<std::string_view> org_header = request.Header("OpenAI-Organization");
  KeyStatus status = KeyStatus::kOk;
  if (const KeyConfig* k = cfg.FindKey(key)) {
    if (org_header && !org_header->empty() && *org_header != k->organization) {
      call->Fail(401,
                 ErrorBody("OpenAI-Organization header should match organization for API key", "invalid_request_error",
                           "", "mismatched_organization"),
                 "401");
      return false;
    }
    call->org = k->organization;
    status = k->status;
  } else if (cfg.accept_any_key && StartsWith(key, "sk-")) {
    // Without a key list the client chooses its organization, so tests can have several
    // independent groups without writing a config.
    call->org = org_header && !org_header->empty() ? std::string(*org_header) : cfg.default_organization;
  } else {
    status = KeyStatus::kInvalid;
  }
  if (status == KeyStatus::kInvalid) {
    call->org.clear();
    // Like OpenAI, show only the end of the key.
    call->Fail(401,
               ErrorBody("Incorrect API key provided: " + KeyLabel(key) +
                             ". You can find your API key at https://platform.openai.com/account/api-keys.",
                         "invalid_request_error", "", "invalid_api_key"),
               "401");
    return false;
  }
  call->event.org = call->org;
  call->response.SetHeader("openai-organization", call->org);
  if (status == KeyStatus::kInsufficientQuota) {
    call->Fail(429,
               ErrorBody("You exceeded your current quota, please check your plan and billing details. For more "
                         "information on this error, read the docs: "
                         "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                         "insufficient_quota", "", "insufficient_quota"),
               "insufficient_quota");
    return false;
  }
  return true;
}

bool App::InjectError(Call* call) {
  const Faults& f = call->config->faults;
  int status = faults_.ErrorStatus(f);
  // A queued status below 400 lets a test interleave successes: [503, 200, 503].
  if (status < 400) return true;
  call->Fail(status, ServerErrorBody(status), std::to_string(status));
  if (f.error_retry_after_ms > 0) {
    call->response.SetHeader("retry-after-ms", std::to_string(f.error_retry_after_ms));
    call->response.SetHeader("retry-after", std::to_string((f.error_retry_after_ms + 999) / 1000));
  }
  return false;
}

bool App::Admit(const std::string& model, const Cost& cost, bool images, Call* call) {
  const Config& cfg = *call->config;
  const Faults& f = cfg.faults;
  std::string scope;
  Limits limits = cfg.LimitsFor(call->org, model, &scope);
  Admission a = limiter_.Admit(scope, limits, cost, std::chrono::steady_clock::now());

  HttpResponse& res = call->response;
  if (f.ratelimit_headers_minus_one) {
    for (const char* name :
         {"x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
          "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"}) {
      res.SetHeader(name, "-1");
    }
  } else if (!f.omit_ratelimit_headers) {
    auto add = [&res](const char* what, const BucketView& v) {
      if (!v.limited) return;
      res.SetHeader(std::string("x-ratelimit-limit-") + what, std::to_string(v.limit));
      res.SetHeader(std::string("x-ratelimit-remaining-") + what, std::to_string(v.remaining));
      res.SetHeader(std::string("x-ratelimit-reset-") + what, GoDuration(v.reset_seconds));
    };
    add("requests", a.requests);
    add("tokens", a.tokens);
    if (images) add("images", a.images);
  }
  if (a.admitted) {
    call->event.admitted = true;
    call->event.admitted_tokens = cost.tokens;
    call->event.admitted_images = cost.images;
    return true;
  }

  const char* type = DimensionType(a.exhausted);
  std::string where = " for " + model + " in organization " + call->org + " on " + DimensionText(a.exhausted);
  if (a.too_large) {
    call->Fail(
        429,
        ErrorBody("Request too large" + where + ": Limit " + std::to_string(a.limit) + ", Requested " +
                      std::to_string(a.requested) +
                      ". The input or output tokens must be reduced in order to run successfully. " + kRateLimitsDoc,
                  type, "", "rate_limit_exceeded"),
        "429_too_large");
    return false;
  }
  int64_t wait_ms = CeilMillis(a.retry_after_seconds);
  call->Fail(429,
             ErrorBody("Rate limit reached" + where + ": Limit " + std::to_string(a.limit) + ", Used " +
                           std::to_string(a.used) + ", Requested " + std::to_string(a.requested) +
                           ". Please try again in " + GoDuration(a.retry_after_seconds) + ". " + kRateLimitsDoc,
                       type, "", "rate_limit_exceeded"),
             std::string("429_") + type);
  if (!f.omit_retry_after) {
    res.SetHeader("retry-after-ms", std::to_string(wait_ms));
    res.SetHeader("retry-after", std::to_string((wait_ms + 999) / 1000));
  }
  return false;
}

void App::Finish(Call* call) {
  auto elapsed = std::chrono::steady_clock::now() - call->start;
  call->response.SetHeader("openai-processing-ms",
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  if (call->event.outcome.empty()) call->event.outcome = "ok";
  stats_.Record(call->event, UnixNow());
}

HttpResponse App::HandleApi(Endpoint endpoint, const HttpRequest& request, const std::string& deployment) {
  Call call;
  call.config = config();
  call.start = std::chrono::steady_clock::now();
  call.serial = next_serial_++;
  const Config& cfg = *call.config;
  HttpResponse& res = call.response;
  res.SetHeader("x-request-id", "req_" + Hex(call.serial, 16));
  res.SetHeader("openai-version", "2020-10-01");

  if (int64_t latency = faults_.LatencyMs(cfg.faults); latency > 0) Sleep(latency);
  if (!Authenticate(request, &call)) {
    Finish(&call);
    return std::move(call.response);
  }

  AnswerIds ids{Hex(call.serial, 12), UnixNow()};
  if (endpoint == Endpoint::kModels) {
    std::vector<std::string> models;
    for (const auto& [name, org] : cfg.organizations) {
      for (const auto& [model, limits] : org.models) models.push_back(model);
    }
    res.body = ModelsJson(models, ids.created);
    Finish(&call);
    return std::move(call.response);
  }
  if (!InjectError(&call)) {
    Finish(&call);
    return std::move(call.response);
  }

  auto bad_request = [&call](const RequestError& error) {
    call.Fail(400, ErrorBody(error.message, "invalid_request_error", error.param, ""), "400");
  };
  RequestError error;
  switch (endpoint) {
    case Endpoint::kChat: {
      ChatRequest chat;
      if (!ParseChatRequest(request.body, deployment, &chat, &error)) {
        bad_request(error);
        break;
      }
      int64_t max_tokens = chat.max_tokens.value_or(cfg.default_max_tokens);
      int64_t prompt_tokens = PromptTokens(chat.messages);
      Cost cost{1, prompt_tokens + max_tokens * chat.n, 0};
      if (!Admit(chat.model, cost, false, &call)) break;
      Answer answer =
          MakeAnswer(chat.messages, chat.tool_choice_none ? std::vector<ToolSpec>() : chat.tools, max_tokens);
      call.event.prompt_tokens = prompt_tokens;
      call.event.completion_tokens = answer.completion_tokens * chat.n;
      if (chat.stream) {
        res.streaming = true;
        res.content_type = "text/event-stream";
        res.events = ChatCompletionEvents(chat, answer, prompt_tokens, ids);
        res.chunk_delay_ms = cfg.faults.stream_chunk_delay_ms;
      } else {
        res.body = ChatCompletionJson(chat, answer, prompt_tokens, ids);
      }
      break;
    }
    case Endpoint::kEmbeddings: {
      EmbeddingsRequest embeddings;
      if (!ParseEmbeddingsRequest(request.body, deployment, &embeddings, &error)) {
        bad_request(error);
        break;
      }
      int64_t tokens = 0;
      for (int64_t t : embeddings.input_tokens) tokens += t;
      if (!Admit(embeddings.model, Cost{1, tokens, 0}, false, &call)) break;
      res.body = EmbeddingsJson(embeddings, &call.event.prompt_tokens);
      break;
    }
    case Endpoint::kImages: {
      ImagesRequest images;
      if (!ParseImagesRequest(request.body, deployment, &images, &error)) {
        bad_request(error);
        break;
      }
      if (!Admit(images.model, Cost{1, 0, images.n}, true, &call)) break;
      res.body = ImagesJson(images, ids);
      break;
    }
    case Endpoint::kResponses: {
      ResponsesRequest responses;
      if (!ParseResponsesRequest(request.body, deployment, &responses, &error)) {
        bad_request(error);
        break;
      }
      if (responses.stream) {
        bad_request(RequestError{"The mock server does not stream the Responses API.", "stream"});
        break;
      }
      int64_t max_tokens = responses.max_output_tokens.value_or(cfg.default_max_tokens);
      int64_t input_tokens = PromptTokens(responses.input);
      if (!Admit(responses.model, Cost{1, input_tokens + max_tokens, 0}, false, &call)) break;
      Answer answer = MakeAnswer(responses.input, responses.tools, max_tokens);
      call.event.prompt_tokens = input_tokens;
      call.event.completion_tokens = answer.completion_tokens;
      res.body = ResponsesJson(responses, answer, input_tokens, ids);
      break;
    }
    case Endpoint::kModels:
      break;
  }
  if (res.status == 200 && faults_.DropConnection(cfg.faults)) {
    res.drop_mid_body = true;
    call.event.outcome = "dropped";
  }
  Finish(&call);
  return std::move(call.response);
}

HttpResponse App::HandleControl(const HttpRequest& request) {
  HttpResponse res;
  const std::string& path = request.path;
  if (request.method == "GET" && path == "/_mock/health") {
    res.body = JsonStatus("ok");
  } else if (request.method == "GET" && path == "/_mock/stats") {
    int64_t since = 0;
    if (auto it = request.query.find("since"); it != request.query.end()) since = std::atoll(it->second.c_str());
    res.body = stats_.ToJson(since);
  } else if (request.method == "POST" && path == "/_mock/reset") {
    stats_.Reset();
    limiter_.Reset();
    faults_.Reset(config()->seed);
    res.body = JsonStatus("reset");
  } else if (request.method == "GET" && path == "/_mock/config") {
    res.body = ConfigToJson(*config());
  } else if (request.method == "POST" && path == "/_mock/config") {
    std::lock_guard<std::mutex> lock(config_mu_);
    Config next = *config_;
    std::string error;
    if (!ApplyConfigJson(request.body, &next, &error)) {
      res.status = 400;
      res.body = ErrorBody(error, "invalid_request_error", "", "");
      return res;
    }
    if (next.seed != config_->seed) faults_.Reset(next.seed);
    faults_.Queue(next.faults.fail_next);
    next.faults.fail_next.clear();
    config_ = std::make_shared<const Config>(std::move(next));
    res.body = ConfigToJson(*config_);
  } else {
    res.status = 404;
    res.body = ErrorBody("Invalid URL (" + request.method + " " + path + ")", "invalid_request_error", "", "");
  }
  return res;
}

}  // namespace llmgate::mock
