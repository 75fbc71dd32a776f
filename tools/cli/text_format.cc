#include "cli/text_format.h"

#include <algorithm>
#include <cstdio>

namespace llmgate::cli {
namespace {

constexpr int64_t kMs = 1000;
constexpr int64_t kSec = 1000 * kMs;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;

std::string Format(const char* pattern, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, pattern, a);
  return buf;
}

}  // namespace

std::string HumanDuration(int64_t micros) {
  if (micros < 0) return "-";
  if (micros < kSec) return std::to_string((micros + kMs - 1) / kMs) + "ms";  // up: "0ms" only for 0
  if (micros < 10 * kSec) return Format("%.1fs", static_cast<double>(micros) / kSec);
  // Whole seconds from here on, rounded up so that "reset in" never undersells a wait.
  const int64_t s = (micros + kSec - 1) / kSec;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

std::string WindowName(int64_t micros) {
  if (micros <= 0) return "0s";
  std::string out;
  int64_t rest = micros;
  for (const auto& [unit, name] : {std::pair{kDay, "d"}, std::pair{kHour, "h"}, std::pair{kMin, "m"},
                                   std::pair{kSec, "s"}, std::pair{kMs, "ms"}, std::pair{int64_t{1}, "us"}}) {
    if (rest >= unit) {
      out += std::to_string(rest / unit) + name;
      rest %= unit;
    }
  }
  return out;
}

std::string HumanBytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  return Format("%.1f ", v) + units[u];
}

std::string Percent(double fraction) { return Format("%.1f%%", fraction * 100); }

double Ratio(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Truncate(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  std::string out;
  size_t cells = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts && ++cells > width - 1) break;
    out += text[i];
  }
  return out + "\xE2\x80\xA6";  // …
}

std::string Table::Render(const std::string& indent) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line = indent;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace llmgate::cli
