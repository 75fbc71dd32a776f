// Human-readable numbers and aligned tables for the terminal screens.
#ifndef LLMGATE_TOOLS_CLI_TEXT_FORMAT_H_
#define LLMGATE_TOOLS_CLI_TEXT_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgate::cli {

// A span of time for people: "850ms", "12.5s", "4m12s", "23h18m", "3d4h". Negative: "-".
std::string HumanDuration(int64_t micros);

// A window as the limit specs write it: "1m", "1d", "30s", "1h30m", "500ms".
std::string WindowName(int64_t micros);

// "512 B", "24.0 KiB", "1.5 MiB", "2.0 GiB".
std::string HumanBytes(int64_t bytes);

// 0.5 -> "50.0%".
std::string Percent(double fraction);

// A fraction of two counts, 0 when the denominator is 0.
double Ratio(int64_t part, int64_t whole);

// Columns in terminal cells: UTF-8 continuation bytes take none (labels hold "…").
size_t DisplayWidth(std::string_view text);

// `text` cut to `width` cells, ending in "…" when cut.
std::string Truncate(std::string_view text, size_t width);

// A table whose columns are as wide as their widest cell, separated by two spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size() - 1; }  // rows without the header
  // Every line starts with `indent`; trailing blanks are trimmed.
  std::string Render(const std::string& indent = "  ") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_TEXT_FORMAT_H_
