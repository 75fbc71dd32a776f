// llmgate_demo: several processes share one persistent cache. Each worker is a separate
// process with its own Gate on the same state directory; what one worker stores, the
// others are served. Prints a report with hit rates and hit latency.
//
//   llmgate_demo [--state-dir DIR] [--workers N] [--requests N] [--distinct N] [--keep]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "demo/cache_workload.h"
#include "llmgate/llmgate.h"
#include "llmgate/version.h"

namespace {

struct Args {
  std::string state_dir;
  int workers = 4;
  int requests = 3000;
  int distinct = 400;
  bool keep = false;
};

void Usage() {
  std::puts("usage: llmgate_demo [--state-dir DIR] [--workers N] [--requests N] [--distinct N] [--keep]\n"
            "  --state-dir  state directory (default: a new temporary directory, removed after)\n"
            "  --workers    worker processes (default 4)\n"
            "  --requests   requests per worker (default 3000)\n"
            "  --distinct   distinct prompts shared by the workers (default 400)\n"
            "  --keep       keep the temporary state directory");
}

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next_int = [&](int* out) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      long v = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || v <= 0 || v > 1'000'000) return false;
      *out = static_cast<int>(v);
      return true;
    };
    if (a == "--state-dir" && i + 1 < argc) {
      args->state_dir = argv[++i];
    } else if (a == "--workers") {
      if (!next_int(&args->workers)) return false;
    } else if (a == "--requests") {
      if (!next_int(&args->requests)) return false;
    } else if (a == "--distinct") {
      if (!next_int(&args->distinct)) return false;
    } else if (a == "--keep") {
      args->keep = true;
    } else {
      return false;
    }
  }
  return true;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    Usage();
    return 2;
  }
  bool temporary = args.state_dir.empty();
  if (temporary) {
    char tmpl[] = "/tmp/llmgate-demo-XXXXXX";
    if (!mkdtemp(tmpl)) {
      std::perror("mkdtemp");
      return 1;
    }
    args.state_dir = tmpl;
  }
  std::printf("llmgate %s demo: %d worker processes, %d requests each, %d distinct prompts\n",
              LLMGATE_VERSION_STRING, args.workers, args.requests, args.distinct);
  std::printf("state directory: %s\n\n", args.state_dir.c_str());

  // Each worker writes its result to a file the parent reads back.
  std::vector<pid_t> pids;
  for (int w = 0; w < args.workers; ++w) {
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
      llmgate::demo::WorkerConfig config{args.state_dir, w, args.requests, args.distinct};
      llmgate::demo::WorkerResult r = llmgate::demo::RunWorker(config);
      std::ofstream out(args.state_dir + "/demo-worker-" + std::to_string(w));
      out << r.hits << " " << r.misses << " " << r.errors << "\n";
      for (double us : r.hit_micros) out << us << "\n";
      out.close();
      _exit(r.errors == 0 ? 0 : 1);
    }
    pids.push_back(pid);
  }
  bool failed = false;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }

  std::vector<double> all_hits;
  std::printf("%-8s %8s %8s %8s %10s %12s\n", "worker", "hits", "misses", "errors", "hit rate", "hit p50 us");
  for (int w = 0; w < args.workers; ++w) {
    std::ifstream in(args.state_dir + "/demo-worker-" + std::to_string(w));
    int64_t hits = 0, misses = 0, errors = 0;
    in >> hits >> misses >> errors;
    std::vector<double> mine;
    for (double us; in >> us;) mine.push_back(us);
    all_hits.insert(all_hits.end(), mine.begin(), mine.end());
    double rate = hits + misses > 0 ? 100.0 * hits / (hits + misses) : 0;
    std::printf("%-8d %8lld %8lld %8lld %9.1f%% %12.1f\n", w, static_cast<long long>(hits),
                static_cast<long long>(misses), static_cast<long long>(errors), rate, Percentile(mine, 50));
    std::remove((args.state_dir + "/demo-worker-" + std::to_string(w)).c_str());
  }

  llmgate::Options options;
  options.state_dir = args.state_dir;
  auto gate = llmgate::Gate::Open(options);
  if (!gate.ok()) {
    std::fprintf(stderr, "%s\n", gate.status().ToString().c_str());
    return 1;
  }
  auto stats = (*gate)->cache().Stats();
  if (!stats.ok()) {
    std::fprintf(stderr, "%s\n", stats.status().ToString().c_str());
    return 1;
  }
  std::printf("\nshared cache (every process, from cache.db)\n");
  std::printf("  entries %lld, %.1f KiB, hits %lld, misses %lld, tokens saved %lld\n",
              static_cast<long long>(stats->entries), stats->bytes / 1024.0, static_cast<long long>(stats->hits),
              static_cast<long long>(stats->misses), static_cast<long long>(stats->tokens_saved));
  std::printf("  cache-hit latency over %zu hits: p50 %.1f us, p90 %.1f us, p99 %.1f us\n", all_hits.size(),
              Percentile(all_hits, 50), Percentile(all_hits, 90), Percentile(all_hits, 99));
  gate->reset();
  if (temporary && !args.keep) std::filesystem::remove_all(args.state_dir);
  return failed ? 1 : 0;
}
