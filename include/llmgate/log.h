// The library prints nothing on its own: every diagnostic goes to the sink the
// application sets in Options (or nowhere when none is set).
#ifndef LLMGATE_LOG_H_
#define LLMGATE_LOG_H_

#include <functional>
#include <string_view>

namespace llmgate {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Called from any thread; the message is valid only during the call.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

}  // namespace llmgate

#endif  // LLMGATE_LOG_H_
