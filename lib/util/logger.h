// The library's logging front end: formats only when the level is enabled and a sink is set.
#ifndef LLMGATE_LIB_UTIL_LOGGER_H_
#define LLMGATE_LIB_UTIL_LOGGER_H_

#include <sstream>
#include <string>
#include <utility>

#include "llmgate/log.h"

namespace llmgate::internal {

class Logger {
 public:
  Logger() = default;
  Logger(LogSink sink, LogLevel min_level) : sink_(std::move(sink)), min_level_(min_level) {}

  bool Enabled(LogLevel level) const { return sink_ && level >= min_level_; }

  // Log(kWarning, "cache.db is corrupt (", detail, "); rebuilt")
  template <typename... Parts>
  void Log(LogLevel level, const Parts&... parts) const {
    if (!Enabled(level)) return;
    std::ostringstream os;
    (os << ... << parts);
    sink_(level, os.str());
  }
  template <typename... Parts>
  void Debug(const Parts&... p) const { Log(LogLevel::kDebug, p...); }
  template <typename... Parts>
  void Info(const Parts&... p) const { Log(LogLevel::kInfo, p...); }
  template <typename... Parts>
  void Warn(const Parts&... p) const { Log(LogLevel::kWarning, p...); }
  template <typename... Parts>
  void Error(const Parts&... p) const { Log(LogLevel::kError, p...); }

 private:
  LogSink sink_;
  LogLevel min_level_ = LogLevel::kInfo;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_LOGGER_H_
