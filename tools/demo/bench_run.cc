#include "demo/bench_run.h"

#include <simdjson.h>

#include "demo/subprocess.h"

namespace llmgate::demo {

bool RunUtilizationBench(const std::string& binary, int seconds, int warmup, const std::string& csv_dir,
                         BenchRun* run, std::string* error) {
  std::string json;
  const int status = RunProgram({binary, "--side=llmgate,naive", "--seconds=" + std::to_string(seconds),
                                 "--warmup=" + std::to_string(warmup), "--csv-dir=" + csv_dir},
                                &json, error);
  if (status != 0) {
    if (status > 0) *error = binary + " exited with status " + std::to_string(status);
    return false;
  }
  return ParseBenchJson(json, csv_dir, run, error);
}

bool ParseBenchJson(const std::string& json, const std::string& csv_dir, BenchRun* run, std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root)) {
    *error = "the benchmark printed no JSON: " + json.substr(0, 200);
    return false;
  }
  *run = BenchRun();
  int64_t window = 0;
  if (root["setup"]["rpm_limit"].get(run->rpm_limit) || root["setup"]["tpm_limit"].get(run->tpm_limit) ||
      root["setup"]["window_s"].get(window)) {
    *error = "the benchmark's JSON has no setup limits";
    return false;
  }
  run->window_s = static_cast<int>(window);
  for (const char* name : {"llmgate", "naive"}) {
    simdjson::dom::element side;
    if (root[name].get(side)) {
      *error = std::string("the benchmark's JSON has no ") + name + " side";
      return false;
    }
    BenchSide s;
    s.name = name;
    s.csv = csv_dir + "/utilization_" + name + ".csv";
    if (side["rpm_ratio"].get(s.rpm_ratio) || side["tpm_ratio"].get(s.tpm_ratio) ||
        side["window_start_s"].get(s.window_start_s) || side["requests"].get(s.requests) ||
        side["http_429"].get(s.http_429) || side["phase_http_429"].get(s.phase_http_429) ||
        side["failed"].get(s.failed)) {
      *error = std::string("the benchmark's ") + name + " side failed (see above)";
      return false;
    }
    run->sides.push_back(s);
  }
  return true;
}

}  // namespace llmgate::demo
