// The live status line of a call: what the gate is waiting for (which limit, how long)
// and why it retries. On a terminal it is one line on stderr rewritten in place (\r) and
// erased before the answer is printed; otherwise (a log file, a pipe) each event is a
// line of its own, so nothing is lost.
#ifndef LLMGATE_TOOLS_CLI_STATUS_LINE_H_
#define LLMGATE_TOOLS_CLI_STATUS_LINE_H_

#include <cstdio>
#include <mutex>
#include <string>

#include "llmgate/client.h"
#include "llmgate/limiter.h"

namespace llmgate::cli {

class StatusLine {
 public:
  explicit StatusLine(std::FILE* out);
  // Shows `text` (one line; cut to the terminal's width on a terminal).
  void Show(const std::string& text);
  // Erases a shown line on a terminal; does nothing otherwise. Call before other output.
  void Clear();

 private:
  std::mutex mu_;
  std::FILE* out_;
  bool tty_;
  bool shown_ = false;
};

// "waiting 12.0s for tpm of key:3f2a9c0d11e4b5a7"
std::string DescribeWait(const WaitEvent& e);
// "attempt 1 failed (UNAVAILABLE, HTTP 503: ...) with key sk-…abcd; retrying in 500ms"
std::string DescribeRetry(const RetryEvent& e);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_STATUS_LINE_H_
