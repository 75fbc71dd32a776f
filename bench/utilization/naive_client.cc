#include "utilization/naive_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <thread>

namespace llmgate::bench {
namespace {

// A finite number of seconds, or nullopt.
std::optional<double> ParseSeconds(const std::string& text, double scale) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v * scale;
}

std::optional<double> RetryAfterHint(const HttpReply& reply) {
  if (reply.retry_after_ms) {
    if (auto s = ParseSeconds(*reply.retry_after_ms, 0.001)) return s;
  }
  if (reply.retry_after) {
    if (auto s = ParseSeconds(*reply.retry_after, 1.0)) return s;
    time_t when = curl_getdate(reply.retry_after->c_str(), nullptr);  // an HTTP date
    if (when >= 0) return static_cast<double>(when - std::time(nullptr));
  }
  return std::nullopt;
}

// Sleeps `seconds` unless `stop` comes first; false when stopped.
bool SleepUnlessStopped(double seconds, const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
  while (!stop.load(std::memory_order_relaxed)) {
    auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
  return false;
}

}  // namespace

bool OpenAiPythonRetries(const HttpReply& reply) {
  const int s = reply.status;
  return s == 0 || s == 408 || s == 409 || s == 429 || s >= 500;
}

double OpenAiPythonRetryDelay(int retry, const HttpReply& reply, double uniform01) {
  if (std::optional<double> hint = RetryAfterHint(reply); hint && *hint > 0 && *hint <= 60) return *hint;
  const double base = std::min(0.5 * std::pow(2.0, retry), 8.0);
  return base * (1.0 - 0.25 * uniform01);
}

NaiveClient::NaiveClient(std::string base_url, std::string api_key, int threads, uint64_t seed)
    : url_(std::move(base_url) + "/chat/completions"),
      headers_({"Authorization: Bearer " + api_key, "Content-Type: application/json"}) {
  for (int i = 0; i < threads; ++i) {
    auto t = std::make_unique<PerThread>();
    t->rng.seed(seed * 1315423911u + static_cast<uint64_t>(i));
    threads_.push_back(std::move(t));
  }
}

CallOutcome NaiveClient::Call(int thread, const std::string& body, const std::atomic<bool>& stop) {
  PerThread& t = *threads_[thread];
  CallOutcome out;
  for (int retry = 0;; ++retry) {
    // openai-python's default timeout is 600 s; nothing here takes more than a second.
    HttpReply reply = t.http.Send(url_, true, body, headers_, 60000);
    ++out.attempts;
    if (reply.status == 429) ++out.http_429;
    if (reply.status >= 200 && reply.status < 300) return out;
    if (!OpenAiPythonRetries(reply) || retry == kMaxRetries) {
      out.kind = CallOutcome::kFailed;
      out.error = reply.status ? "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200)
                               : reply.transport_error;
      return out;
    }
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(t.rng);
    if (!SleepUnlessStopped(OpenAiPythonRetryDelay(retry, reply, u), stop)) {
      out.kind = CallOutcome::kCancelled;
      return out;
    }
  }
}

}  // namespace llmgate::bench
