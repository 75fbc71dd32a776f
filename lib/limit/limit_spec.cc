#include "limit/limit_spec.h"

#include <optional>
#include <utility>

namespace llmgate::internal {
namespace {

struct ShortName {
  std::string_view name;
  std::string_view dimension;
  int64_t window_micros;
};

constexpr ShortName kShortNames[] = {
    {"rpm", kRequestsDimension, kMicrosPerMinute}, {"rpd", kRequestsDimension, kMicrosPerDay},
    {"tpm", kTokensDimension, kMicrosPerMinute},   {"tpd", kTokensDimension, kMicrosPerDay},
    {"ipm", kImagesDimension, kMicrosPerMinute},
};

struct Unit {
  std::string_view suffix;
  int64_t micros;
};

// Two-letter suffixes first so that "ms" is not read as "m" followed by garbage.
constexpr Unit kParseUnits[] = {{"ms", 1000},           {"us", 1},
                                {"d", kMicrosPerDay},   {"h", kMicrosPerHour},
                                {"m", kMicrosPerMinute}, {"s", kMicrosPerSecond}};
// Largest first: FormatDuration picks the first unit that divides exactly.
constexpr Unit kFormatUnits[] = {{"d", kMicrosPerDay},    {"h", kMicrosPerHour},  {"m", kMicrosPerMinute},
                                 {"s", kMicrosPerSecond}, {"ms", 1000},           {"us", 1}};

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Decimal digits only, no sign; nullopt on anything else or overflow.
std::optional<int64_t> ParseDigits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) return std::nullopt;
  }
  return v;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Status SpecError(std::string_view spec, const std::string& what) {
  return InvalidArgumentError("limit spec " + Quote(spec) + ": " + what);
}

// A count that must be > 0: "limit", "burst".
Result<int64_t> ParseCount(std::string_view spec, std::string_view what, std::string_view token) {
  std::string_view digits = token;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  std::optional<int64_t> v = ParseDigits(digits);
  if (!v) return SpecError(spec, "bad number " + Quote(token) + " for " + std::string(what));
  if (negative || *v == 0) return SpecError(spec, std::string(what) + " must be > 0, got " + Quote(token));
  return *v;
}

bool ValidScope(std::string_view scope) {
  for (char c : scope) {
    if (c == ' ' || c == '\t' || c == ',' || c == ';' || c == '=' || c == '#') return false;
  }
  return !scope.empty();
}

// Splits "scope/name" read from the right (see the header) into def's scope, dimension and
// window.
Status ParseLeft(std::string_view spec, std::string_view left, LimitDef* def) {
  const size_t last = left.rfind('/');
  std::string_view tail = last == std::string_view::npos ? left : left.substr(last + 1);
  std::string_view scope;
  bool has_scope = false;

  bool generic = false;
  if (last != std::string_view::npos && !tail.empty() && IsDigit(tail.front())) {
    const size_t prev = last == 0 ? std::string_view::npos : left.rfind('/', last - 1);
    const std::string_view dim =
        prev == std::string_view::npos ? left.substr(0, last) : left.substr(prev + 1, last - prev - 1);
    if (IsValidDimension(dim)) {
      Result<int64_t> window = ParseDuration(tail);
      if (!window.ok()) return SpecError(spec, "bad window " + Quote(tail) + " (want e.g. 30s, 1m, 1h, 1d)");
      if (*window == 0) return SpecError(spec, "window must be > 0, got " + Quote(tail));
      def->dimension = std::string(dim);
      def->window_micros = *window;
      generic = true;
      if (prev != std::string_view::npos) {
        scope = left.substr(0, prev);
        has_scope = true;
      }
    }
  }
  if (!generic) {
    const ShortName* found = nullptr;
    for (const ShortName& n : kShortNames) {
      if (n.name == tail) found = &n;
    }
    if (found == nullptr) {
      return SpecError(spec, "unknown limit name " + Quote(tail) +
                                 " (want rpm, rpd, tpm, tpd, ipm or <dimension>/<window>)");
    }
    def->dimension = std::string(found->dimension);
    def->window_micros = found->window_micros;
    if (last != std::string_view::npos) {
      scope = left.substr(0, last);
      has_scope = true;
    }
  }
  if (has_scope && !ValidScope(scope)) return SpecError(spec, "bad scope " + Quote(scope));
  def->scope = std::string(scope);
  return Status::Ok();
}

Status ParseOption(std::string_view spec, std::string_view option, LimitDef* def, bool* has_burst) {
  const size_t eq = option.find('=');
  if (eq != std::string_view::npos && Trim(option.substr(0, eq)) == "burst") {
    Result<int64_t> burst = ParseCount(spec, "burst", Trim(option.substr(eq + 1)));
    if (!burst.ok()) return burst.status();
    def->burst = *burst;
    *has_burst = true;
    return Status::Ok();
  }
  const size_t plus = option.find('+');
  if (Trim(option.substr(0, plus)) == "calendar") {
    def->kind = LimitKind::kCalendar;
    if (plus == std::string_view::npos) return Status::Ok();
    const std::string_view offset_text = Trim(option.substr(plus + 1));
    Result<int64_t> offset = ParseDuration(offset_text);
    if (!offset.ok()) return SpecError(spec, "bad calendar offset " + Quote(offset_text));
    def->calendar_offset_micros = *offset;
    return Status::Ok();
  }
  return SpecError(spec, "unknown option " + Quote(option) + " (want burst=N or calendar[+offset])");
}

Result<LimitDef> ParseSpec(std::string_view spec) {
  LimitDef def;
  def.source = LimitSource::kConfigured;
  const size_t semi = spec.find(';');
  const std::string_view head = spec.substr(0, semi);
  const size_t eq = head.find('=');
  if (eq == std::string_view::npos) return SpecError(spec, "missing '=' (want name=count)");
  const std::string_view left = Trim(head.substr(0, eq));
  const std::string_view count = Trim(head.substr(eq + 1));

  if (Status s = ParseLeft(spec, left, &def); !s.ok()) return s;
  Result<int64_t> limit = ParseCount(spec, "limit", count);
  if (!limit.ok()) return limit.status();
  def.limit = *limit;

  bool has_burst = false;
  std::string_view options = semi == std::string_view::npos ? std::string_view() : spec.substr(semi + 1);
  while (!options.empty()) {
    const size_t next = options.find(';');
    const std::string_view option = Trim(options.substr(0, next));
    options = next == std::string_view::npos ? std::string_view() : options.substr(next + 1);
    if (option.empty()) continue;
    if (Status s = ParseOption(spec, option, &def, &has_burst); !s.ok()) return s;
  }
  if (def.kind == LimitKind::kCalendar) {
    if (has_burst) return SpecError(spec, "burst does not apply to calendar limits");
    if (def.calendar_offset_micros >= def.window_micros) {
      return SpecError(spec, "calendar offset " + Quote(FormatDuration(def.calendar_offset_micros)) +
                                 " must be shorter than the window");
    }
  }
  if (Status s = ValidateLimitDef(def); !s.ok()) return SpecError(spec, s.message());
  return def;
}

bool SameLimit(const LimitDef& a, const LimitDef& b) {
  return a.scope == b.scope && a.dimension == b.dimension && a.window_micros == b.window_micros &&
         a.kind == b.kind;
}

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  std::string_view rest = Trim(text);
  if (rest.empty()) return InvalidArgumentError("empty duration");
  int64_t total = 0;
  while (!rest.empty()) {
    size_t n = 0;
    while (n < rest.size() && IsDigit(rest[n])) ++n;
    std::optional<int64_t> amount = ParseDigits(rest.substr(0, n));
    if (!amount) return InvalidArgumentError("bad duration " + Quote(text));
    rest.remove_prefix(n);
    const Unit* unit = nullptr;
    for (const Unit& u : kParseUnits) {
      if (rest.substr(0, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return InvalidArgumentError("bad duration " + Quote(text) + " (units: d h m s ms us)");
    rest.remove_prefix(unit->suffix.size());
    int64_t part;
    if (__builtin_mul_overflow(*amount, unit->micros, &part) || __builtin_add_overflow(total, part, &total)) {
      return InvalidArgumentError("duration " + Quote(text) + " is too long");
    }
  }
  return total;
}

std::string FormatDuration(int64_t micros) {
  if (micros == 0) return "0s";
  for (const Unit& u : kFormatUnits) {
    if (micros % u.micros == 0) return std::to_string(micros / u.micros) + std::string(u.suffix);
  }
  return std::to_string(micros) + "us";
}

std::string LimitName(const LimitDef& def) {
  for (const ShortName& n : kShortNames) {
    if (n.dimension == def.dimension && n.window_micros == def.window_micros) return std::string(n.name);
  }
  return def.dimension + "/" + FormatDuration(def.window_micros);
}

std::string FormatLimitSpec(const LimitDef& def) {
  std::string s;
  if (!def.scope.empty()) s += def.scope + "/";
  s += LimitName(def) + "=" + std::to_string(def.limit);
  if (def.kind == LimitKind::kCalendar) {
    s += ";calendar";
    if (def.calendar_offset_micros != 0) s += "+" + FormatDuration(def.calendar_offset_micros);
  } else if (def.burst != 0) {
    s += ";burst=" + std::to_string(def.burst);
  }
  return s;
}

Result<std::vector<LimitDef>> ParseLimitSpecs(std::string_view text) {
  std::vector<LimitDef> defs;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    line = line.substr(0, line.find('#'));
    while (!line.empty()) {
      const size_t comma = line.find(',');
      const std::string_view spec = Trim(line.substr(0, comma));
      line = comma == std::string_view::npos ? std::string_view() : line.substr(comma + 1);
      if (spec.empty()) continue;
      Result<LimitDef> def = ParseSpec(spec);
      if (!def.ok()) return def.status();
      for (const LimitDef& seen : defs) {
        if (SameLimit(seen, *def)) return SpecError(spec, "limit " + Quote(LimitName(*def)) + " defined twice");
      }
      defs.push_back(std::move(*def));
    }
  }
  return defs;
}

}  // namespace llmgate::internal
