#include "limit/limit_convert.h"

#include "limit/limit_spec.h"

namespace llmgate::internal {

LimitDef ToLimitDef(const llmgate::Limit& limit, std::string_view default_scope) {
  LimitDef def;
  def.scope = limit.scope.empty() ? std::string(default_scope) : limit.scope;
  def.dimension = limit.dimension;
  def.limit = limit.limit;
  def.window_micros = limit.window.count();
  def.burst = limit.burst;
  def.kind = limit.kind == WindowKind::kCalendar ? LimitKind::kCalendar : LimitKind::kRolling;
  def.calendar_offset_micros = limit.calendar_offset.count();
  def.source = limit.source == llmgate::LimitSource::kLearned ? LimitSource::kLearned : LimitSource::kConfigured;
  return def;
}

llmgate::Limit ToPublicLimit(const LimitDef& def) {
  llmgate::Limit limit;
  limit.scope = def.scope;
  limit.dimension = def.dimension;
  limit.limit = def.limit;
  limit.window = std::chrono::microseconds(def.window_micros);
  limit.burst = def.burst;
  limit.kind = def.kind == LimitKind::kCalendar ? WindowKind::kCalendar : WindowKind::kRolling;
  limit.calendar_offset = std::chrono::microseconds(def.calendar_offset_micros);
  limit.source =
      def.source == LimitSource::kLearned ? llmgate::LimitSource::kLearned : llmgate::LimitSource::kConfigured;
  return limit;
}

std::vector<Cost> ToCoreCosts(const std::vector<llmgate::Cost>& costs) {
  std::vector<Cost> out;
  out.reserve(costs.size());
  for (const llmgate::Cost& c : costs) out.push_back({c.dimension, c.amount});
  return out;
}

std::vector<llmgate::Cost> ToPublicCosts(const std::vector<Cost>& costs) {
  std::vector<llmgate::Cost> out;
  out.reserve(costs.size());
  for (const Cost& c : costs) out.push_back({c.dimension, c.amount});
  return out;
}

Reservation ToCoreReservation(const llmgate::Reservation& r) {
  Reservation out;
  out.scopes = r.scopes;
  out.costs = ToCoreCosts(r.cost);
  out.start_micros = r.start_micros;
  out.marks.reserve(r.marks.size());
  for (const llmgate::ReservationMark& m : r.marks) {
    out.marks.push_back({m.scope, m.dimension, m.window_micros, m.charged});
  }
  return out;
}

llmgate::Reservation ToPublicReservation(const Reservation& r) {
  llmgate::Reservation out;
  out.scopes = r.scopes;
  out.cost = ToPublicCosts(r.costs);
  out.start_micros = r.start_micros;
  out.marks.reserve(r.marks.size());
  for (const ChargeMark& m : r.marks) out.marks.push_back({m.scope, m.dimension, m.window_micros, m.charged});
  return out;
}

llmgate::LimitUsage ToPublicUsage(const LimitDef& def, const LimitUsage& usage) {
  llmgate::LimitUsage out;
  out.limit = ToPublicLimit(def);
  out.name = LimitName(def);
  out.used = usage.used;
  out.remaining = usage.remaining;
  out.reset_micros = usage.reset_micros;
  return out;
}

}  // namespace llmgate::internal
