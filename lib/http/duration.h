// Go-style durations ("12ms", "6m0s", "23h18m29.144s"), the format OpenAI uses for its
// x-ratelimit-reset-* headers, and plain decimal counts of a unit ("1.5" seconds) for
// retry-after headers. Everything here works in microseconds, the library's time unit.
// Nothing throws: malformed input yields std::nullopt.
#ifndef LLMGATE_LIB_HTTP_DURATION_H_
#define LLMGATE_LIB_HTTP_DURATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmgate::internal {

// Parses Go's time.ParseDuration syntax: a sequence of decimal numbers, each with an
// optional fraction and a unit (ns, us, µs, μs, ms, s, m, h), e.g. "4m12.172s", or the bare
// "0". Surrounding white space and a leading '+' are accepted. Returns microseconds.
//
// Rejected (nullopt): negative durations (a reset in the past means nothing to us, and
// servers send "-1" for "unknown"), a number without a unit other than "0", unknown
// units, empty input, and totals above Go's range (int64 nanoseconds, about 292 years).
// A sub-microsecond remainder rounds up, so a wait derived from it is never shorter than
// the server asked for ("100ns" -> 1).
std::optional<int64_t> ParseGoDuration(std::string_view text);

// Formats like Go's Duration.String(): "0s", "250µs", "1.5ms", "1s", "6m0s",
// "23h18m29.144s", "-1.5s".
std::string FormatGoDuration(int64_t micros);

// Parses a non-negative decimal number ("12", "1.5", ".5", "5.") counting units of
// `micros_per_unit` microseconds (1000 for milliseconds, 1'000'000 for seconds) and returns
// microseconds, rounding a sub-microsecond remainder up. Digits past the ninth after the
// point are ignored. Signs, exponents and overflow yield nullopt. `micros_per_unit` must be
// in [1, 1e9].
std::optional<int64_t> ParseDecimalToMicros(std::string_view text, int64_t micros_per_unit);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_HTTP_DURATION_H_
