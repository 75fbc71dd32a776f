// llmgate chat PROMPT [--model M] [--max-tokens N] [--system TEXT] [--no-stream] [--no-cache]
#include <cstdio>
#include <iostream>
#include <iterator>
#include <limits>
#include <string>

#include "cli/chat_json.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/status_line.h"

namespace llmgate::cli {
namespace {

void Write(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);  // streamed: each piece shows as it arrives
}

void PrintDetails(const Response& r) {
  if (r.from_cache) {
    std::fprintf(stderr, "llmgate: cache hit");
  } else {
    std::fprintf(stderr, "llmgate: cache miss; key %s, %d attempt%s, request id %s", r.key_label.c_str(), r.attempts,
                 r.attempts == 1 ? "" : "s", r.request_id.empty() ? "-" : r.request_id.c_str());
  }
  std::fprintf(stderr, "; usage: prompt %lld, completion %lld, total %lld tokens\n",
               static_cast<long long>(r.usage.prompt_tokens), static_cast<long long>(r.usage.completion_tokens),
               static_cast<long long>(r.usage.total_tokens));
}

}  // namespace

int RunChat(const Invocation& inv) {
  ChatRequest request;
  request.prompt = inv.args.positional[0];
  if (request.prompt == "-") {
    request.prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (request.prompt.empty()) return UsageError(inv.command, "the prompt is empty");
  request.model = inv.args.Value("--model", request.model);
  if (request.model.empty()) return UsageError(inv.command, "--model may not be empty");
  request.system = inv.args.Value("--system");
  if (inv.args.Has("--max-tokens")) {
    Result<int64_t> n =
        ParseInteger("--max-tokens", inv.args.Value("--max-tokens"), 1, std::numeric_limits<int32_t>::max());
    if (!n.ok()) return UsageError(inv.command, n.status().message());
    request.max_tokens = *n;
  }
  const bool stream = !inv.args.Has("--no-stream");

  Result<Options> options = GateOptions(inv.globals, GateUse::kCall);
  if (!options.ok()) return Fail(options.status());
  // The gate reports every wait (which limit, how long) and every retry: shown live.
  StatusLine line(stderr);
  options->on_wait = [&line](const WaitEvent& e) { line.Show(DescribeWait(e)); };
  options->on_retry = [&line](const RetryEvent& e) { line.Show(DescribeRetry(e)); };
  auto gate = OpenGate(*options);
  if (!gate.ok()) return Fail(gate.status());

  CatchInterrupts();
  CallOptions call;
  call.cancelled = &Interrupted();  // Ctrl-C ends a wait or a transfer and refunds its quota
  call.cache.skip_read = inv.args.Has("--no-cache");
  const std::string body = ChatRequestJson(request);

  bool printed = false;
  Result<Response> r = Status(StatusCode::kInternal, "no call made");
  if (stream) {
    r = (*gate)->client().StreamChatCompletions(
        body,
        [&](std::string_view chunk) {
          const std::string text = DeltaContent(chunk);
          if (!text.empty()) {
            line.Clear();
            Write(text);
            printed = true;
          }
          return true;
        },
        call);
  } else {
    r = (*gate)->client().ChatCompletions(body, call);
    if (r.ok()) {
      line.Clear();
      Write(MessageContent(r->body));
      printed = true;
    }
  }
  line.Clear();
  if (printed) Write("\n");
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kCancelled && Interrupted().load()) {
      std::fprintf(stderr, "llmgate: interrupted\n");
      return kExitInterrupted;
    }
    return Fail(r.status());
  }
  if (inv.globals.verbose) PrintDetails(*r);
  return kExitOk;
}

}  // namespace llmgate::cli
