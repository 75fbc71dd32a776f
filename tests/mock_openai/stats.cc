#include "stats.h"

#include "json_writer.h"

namespace llmgate::mock {
namespace {

// Always present, so a reader can rely on the field being there.
constexpr const char* kStandardOutcomes[] = {
    "ok",  "429_requests", "429_tokens", "429_images", "429_too_large", "401", "insufficient_quota",
    "400", "404",          "500",        "503",        "dropped"};

bool Is429(const std::string& outcome) { return outcome.rfind("429", 0) == 0 || outcome == "insufficient_quota"; }

}  // namespace

void Stats::Totals::Add(const Event& e) {
  ++requests;
  ++outcomes[e.outcome];
  if (e.admitted) ++admitted_requests;
  admitted_tokens += e.admitted_tokens;
  admitted_images += e.admitted_images;
  prompt_tokens += e.prompt_tokens;
  completion_tokens += e.completion_tokens;
  if (!e.org.empty()) org = e.org;
}

void Stats::Record(const Event& e, int64_t unix_second) {
  std::lock_guard<std::mutex> lock(mu_);
  totals_.Add(e);
  keys_[e.key_label].Add(e);
  if (!e.org.empty()) orgs_[e.org].Add(e);

  Second& s = series_[{unix_second, e.key_label}];
  if (!e.org.empty()) s.org = e.org;
  ++s.requests;
  if (e.admitted) ++s.admitted_requests;
  s.admitted_tokens += e.admitted_tokens;
  if (Is429(e.outcome)) ++s.http_429;

  while (!series_.empty() && series_.begin()->first.first < unix_second - kSeriesSeconds) {
    series_.erase(series_.begin());
  }
}

void Stats::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  totals_ = Totals();
  keys_.clear();
  orgs_.clear();
  series_.clear();
}

namespace {

template <typename T>
void WriteTotals(const T& t, bool with_org, JsonWriter* w) {
  w->BeginObject();
  if (with_org) w->Member("org", t.org);
  w->Member("requests", t.requests);
  for (const char* name : kStandardOutcomes) {
    auto it = t.outcomes.find(name);
    w->Member(name, it == t.outcomes.end() ? int64_t{0} : it->second);
  }
  for (const auto& [name, count] : t.outcomes) {
    bool standard = false;
    for (const char* s : kStandardOutcomes) standard = standard || name == s;
    if (!standard) w->Member(name, count);
  }
  int64_t http_429 = 0;
  for (const auto& [name, count] : t.outcomes) {
    if (Is429(name)) http_429 += count;
  }
  w->Member("http_429", http_429);
  w->Member("admitted_requests", t.admitted_requests);
  w->Member("admitted_tokens", t.admitted_tokens);
  w->Member("admitted_images", t.admitted_images);
  w->Member("prompt_tokens", t.prompt_tokens);
  w->Member("completion_tokens", t.completion_tokens);
  w->EndObject();
}

}  // namespace

std::string Stats::ToJson(int64_t since_unix_second) const {
  std::lock_guard<std::mutex> lock(mu_);
  JsonWriter w;
  w.BeginObject();
  w.Key("totals");
  WriteTotals(totals_, false, &w);
  w.Key("keys").BeginObject();
  for (const auto& [label, t] : keys_) {
    w.Key(label);
    WriteTotals(t, true, &w);
  }
  w.EndObject();
  w.Key("orgs").BeginObject();
  for (const auto& [org, t] : orgs_) {
    w.Key(org);
    WriteTotals(t, false, &w);
  }
  w.EndObject();
  w.Key("series").BeginArray();
  for (auto it = series_.lower_bound({since_unix_second, std::string()}); it != series_.end(); ++it) {
    const Second& s = it->second;
    w.BeginObject()
        .Member("t", it->first.first)
        .Member("key", it->first.second)
        .Member("org", s.org)
        .Member("requests", s.requests)
        .Member("admitted_requests", s.admitted_requests)
        .Member("admitted_tokens", s.admitted_tokens)
        .Member("http_429", s.http_429)
        .EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace llmgate::mock
