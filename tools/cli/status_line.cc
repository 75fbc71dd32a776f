#include "cli/status_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/text_format.h"

namespace llmgate::cli {
namespace {

size_t TerminalWidth(std::FILE* out) {
  winsize ws{};
  if (::ioctl(::fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

}  // namespace

StatusLine::StatusLine(std::FILE* out) : out_(out), tty_(::isatty(::fileno(out)) == 1) {}

void StatusLine::Show(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string line = OneLine(text);
  if (tty_) {
    // \033[K erases what a longer previous line left; one cell is kept free so that the
    // terminal does not wrap and scroll.
    std::fprintf(out_, "\r\033[K%s", Truncate(line, TerminalWidth(out_) - 1).c_str());
    shown_ = true;
  } else {
    std::fprintf(out_, "llmgate: %s\n", line.c_str());
  }
  std::fflush(out_);
}

void StatusLine::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!shown_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  shown_ = false;
}

std::string DescribeWait(const WaitEvent& e) {
  return "waiting " + HumanDuration(static_cast<int64_t>(e.wait.count()) * 1000) + " for " + e.limit_name + " of " +
         e.scope;
}

std::string DescribeRetry(const RetryEvent& e) {
  std::string why(StatusCodeName(e.error.code()));
  if (e.error.http_status() > 0) why += ", HTTP " + std::to_string(e.error.http_status());
  if (!e.error.message().empty()) why += ": " + e.error.message();
  std::string text = "attempt " + std::to_string(e.attempt) + " failed (" + why + ")";
  if (!e.key_label.empty()) text += " with key " + e.key_label;
  return text + "; retrying in " + HumanDuration(static_cast<int64_t>(e.delay.count()) * 1000);
}

}  // namespace llmgate::cli
