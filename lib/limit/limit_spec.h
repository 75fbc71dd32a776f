// Limit specs: the text form of limits used by the LLMGATE_LIMITS environment variable and
// by limits files.
//
//   specs  := spec { ("," | newline) spec }      "#" starts a comment to the end of the line;
//                                                 blank lines and empty specs are skipped
//   spec   := [scope "/"] name "=" count { ";" option }
//   name   := "rpm" | "rpd" | "tpm" | "tpd" | "ipm" | dimension "/" duration
//   option := "burst=" count | "calendar" [ "+" duration ]
//   count  := decimal digits, > 0
//   duration := one or more <digits><unit>, unit one of d h m s ms us ("30s", "1h30m", "1d")
//
//   rpm, rpd = requests per minute / day      tpm, tpd = tokens per minute / day
//   ipm      = images per minute              dimension/duration: any dimension ([a-z0-9_]+)
//                                             and any window, e.g. usd_micros/1d=5000000
//
// Examples:  LLMGATE_LIMITS="rpm=500,tpm=200000,rpd=10000;calendar"
//            org:org-1/tpm=2000000;burst=500000
//            global/usd_micros/1d=5000000;calendar+9h      (days start at 09:00 UTC)
//
// The scope is everything before the name. Because scopes may themselves contain "/"
// (model names do), the name is read from the right: the last two "/"-separated segments
// form a generic name when they are <dimension>/<duration>; otherwise the last segment is
// a short name. Scopes may not contain white space, ",", ";", "=" or "#". A spec without a
// scope yields LimitDef::scope == "": it applies to whatever default scope the caller
// chooses (a key, a group, "global").
//
// Limits are rolling by default (continuous refill, burst = count unless "burst=" says
// otherwise); "calendar" makes them fixed UTC windows, optionally shifted by an offset
// shorter than the window. Burst does not apply to calendar limits. Defining the same
// scope, dimension, window and kind twice is an error.
#ifndef LLMGATE_LIB_LIMIT_LIMIT_SPEC_H_
#define LLMGATE_LIB_LIMIT_LIMIT_SPEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "limit/limit_def.h"
#include "llmgate/status.h"

namespace llmgate::internal {

// Parses specs (the whole variable or file). Every returned limit has source kConfigured
// and passes ValidateLimitDef. kInvalidArgument names the offending spec and token.
Result<std::vector<LimitDef>> ParseLimitSpecs(std::string_view text);

// "90s" -> 90'000'000. Positive or zero; kInvalidArgument otherwise.
Result<int64_t> ParseDuration(std::string_view text);

// The shortest single-unit form: 60'000'000 -> "1m", 90'000'000 -> "90s", 1'500 -> "1500us".
std::string FormatDuration(int64_t micros);

// The limit's name in specs and messages: "rpm", "tpd", or "usd_micros/1d".
std::string LimitName(const LimitDef& def);

// The spec that parses back to `def` (apart from its source): "org:a/tpm=100;burst=50".
std::string FormatLimitSpec(const LimitDef& def);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_LIMIT_SPEC_H_
