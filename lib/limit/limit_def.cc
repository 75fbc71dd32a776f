#include "limit/limit_def.h"

#include <string>

namespace llmgate::internal {

bool operator==(const LimitDef& a, const LimitDef& b) {
  return a.scope == b.scope && a.dimension == b.dimension && a.limit == b.limit &&
         a.window_micros == b.window_micros && a.burst == b.burst && a.kind == b.kind &&
         a.calendar_offset_micros == b.calendar_offset_micros && a.source == b.source;
}

bool operator==(const LimitState& a, const LimitState& b) {
  return a.tat == b.tat && a.window_start == b.window_start && a.used == b.used && a.charged == b.charged;
}

int64_t EffectiveBurst(const LimitDef& def) {
  if (def.kind == LimitKind::kCalendar || def.burst == 0) return def.limit;
  return def.burst;
}

bool IsValidDimension(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status ValidateLimitDef(const LimitDef& def) {
  // Built only on failure: every acquire validates the limits it draws from.
  const auto what = [&def] { return "limit '" + def.dimension + "' of scope '" + def.scope + "': "; };
  if (!IsValidDimension(def.dimension)) {
    return InvalidArgumentError("limit of scope '" + def.scope + "': bad dimension name '" + def.dimension +
                                "' (want [a-z0-9_]+)");
  }
  if (def.limit <= 0) return InvalidArgumentError(what() + "limit must be > 0, got " + std::to_string(def.limit));
  if (def.window_micros <= 0) {
    return InvalidArgumentError(what() + "window must be > 0, got " + std::to_string(def.window_micros) + " us");
  }
  if (def.burst < 0) return InvalidArgumentError(what() + "burst must be > 0, got " + std::to_string(def.burst));
  switch (def.kind) {
    case LimitKind::kRolling:
      break;
    case LimitKind::kCalendar:
      if (def.burst != 0 && def.burst != def.limit) {
        return InvalidArgumentError(what() + "burst does not apply to calendar limits");
      }
      if (def.calendar_offset_micros < 0 || def.calendar_offset_micros >= def.window_micros) {
        return InvalidArgumentError(what() + "calendar offset must be in [0, window), got " +
                                    std::to_string(def.calendar_offset_micros) + " us");
      }
      break;
    default:
      return InvalidArgumentError(what() + "unknown kind " + std::to_string(static_cast<int>(def.kind)));
  }
  if (def.source != LimitSource::kConfigured && def.source != LimitSource::kLearned) {
    return InvalidArgumentError(what() + "unknown source " + std::to_string(static_cast<int>(def.source)));
  }
  return Status::Ok();
}

}  // namespace llmgate::internal
