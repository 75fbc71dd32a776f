#include "demo/worker_tally.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace llmgate::demo {

void WorkerTally::Merge(const WorkerTally& o) {
  calls += o.calls;
  cache_hits += o.cache_hits;
  server_answers += o.server_answers;
  streams += o.streams;
  bursts += o.bursts;
  failed += o.failed;
  cut_short += o.cut_short;
  if (first_error.empty()) first_error = o.first_error;
  hit_micros.insert(hit_micros.end(), o.hit_micros.begin(), o.hit_micros.end());
  answer_millis.insert(answer_millis.end(), o.answer_millis.begin(), o.answer_millis.end());
}

// One "name value" per line; the two sample lists each on one line; the error last (it is
// free text).
bool WriteTally(const std::string& path, const WorkerTally& t) {
  std::ofstream out(path);
  out << "calls " << t.calls << "\nhits " << t.cache_hits << "\nanswers " << t.server_answers << "\nstreams "
      << t.streams << "\nbursts " << t.bursts << "\nfailed " << t.failed << "\ncut_short " << t.cut_short
      << "\nhit_us";
  for (double v : t.hit_micros) out << ' ' << v;
  out << "\nanswer_ms";
  for (double v : t.answer_millis) out << ' ' << v;
  std::string error = t.first_error;
  std::replace(error.begin(), error.end(), '\n', ' ');
  out << "\nerror " << error << "\n";
  out.close();
  return static_cast<bool>(out);
}

bool ReadTally(const std::string& path, WorkerTally* t) {
  std::ifstream in(path);
  if (!in) return false;
  *t = WorkerTally();
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name == "error") {
      std::getline(fields >> std::ws, t->first_error);
      continue;
    }
    if (name == "hit_us" || name == "answer_ms") {
      std::vector<double>& out = name == "hit_us" ? t->hit_micros : t->answer_millis;
      for (double v; fields >> v;) out.push_back(v);
      continue;
    }
    int64_t v = 0;
    fields >> v;
    if (name == "calls") t->calls = v;
    if (name == "hits") t->cache_hits = v;
    if (name == "answers") t->server_answers = v;
    if (name == "streams") t->streams = v;
    if (name == "bursts") t->bursts = v;
    if (name == "failed") t->failed = v;
    if (name == "cut_short") t->cut_short = v;
  }
  return true;
}

double Percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::min(samples.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace llmgate::demo
