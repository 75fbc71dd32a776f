// A log sink that keeps every message, for asserting what the library reported.
#ifndef LLMGATE_TESTING_LOG_CAPTURE_H_
#define LLMGATE_TESTING_LOG_CAPTURE_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "llmgate/log.h"

namespace llmgate::testing {

class LogCapture {
 public:
  LogSink Sink() {
    auto state = state_;
    return [state](LogLevel level, std::string_view message) {
      std::lock_guard<std::mutex> lock(state->mu);
      state->lines.emplace_back(level, std::string(message));
    };
  }
  bool Contains(std::string_view needle) const {
    std::lock_guard<std::mutex> lock(state_->mu);
    for (const auto& [level, line] : state_->lines)
      if (line.find(needle) != std::string::npos) return true;
    return false;
  }
  std::string All() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    std::string out;
    for (const auto& [level, line] : state_->lines) out += line + "\n";
    return out;
  }

 private:
  struct State {
    std::mutex mu;
    std::vector<std::pair<LogLevel, std::string>> lines;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_LOG_CAPTURE_H_
