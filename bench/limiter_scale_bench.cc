// Aggregate acquires per second over 1, 2, 4 and 8 forked processes sharing one quota.db,
// next to the raw SQLite counter transaction (BEGIN IMMEDIATE; UPSERT; COMMIT with the
// library's pragmas) measured the same way in the same run. Every process opens its own
// gate (or connection) after fork() and hammers one key scope for a fixed time.
//
// Prints one JSON object:
//   {"procs":[1,2,4,8], "acquire_per_s":[...], "raw_tx_per_s":[...], "acquire_to_raw":[...],
//    "seconds":2, "cpus":2}
// Goal: acquire_per_s at least half of raw_tx_per_s at every process count.
//
// Usage: llmgate_limiter_scale_bench [--seconds=N] [--procs=1,2,4,8]
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "latency.h"
#include "llmgate/llmgate.h"
#include "raw_counter.h"
#include "workload.h"

namespace llmgate::bench {
namespace {

struct Config {
  double seconds = 2.0;
  std::vector<int> procs = {1, 2, 4, 8};
};

Options LimiterOptions(const std::string& dir) {
  Options options;
  options.state_dir = dir;
  options.limits_from_env = false;
  // RPM + RPD + TPM + TPD of one key, high enough never to deny: the figure is the
  // transaction rate, not the limit.
  const struct {
    const char* dimension;
    std::chrono::microseconds window;
    int64_t limit;
  } kLimits[] = {{"requests", std::chrono::minutes(1), int64_t{1} << 40},
                 {"requests", std::chrono::hours(24), int64_t{1} << 50},
                 {"tokens", std::chrono::minutes(1), int64_t{1} << 50},
                 {"tokens", std::chrono::hours(24), int64_t{1} << 60}};
  for (const auto& l : kLimits) {
    Limit limit;
    limit.scope = "key:bench";
    limit.dimension = l.dimension;
    limit.window = l.window;
    limit.limit = l.limit;
    options.limits.push_back(limit);
  }
  return options;
}

void SleepUntil(int64_t monotonic_ns) {
  for (;;) {
    int64_t left = monotonic_ns - MonotonicNanos();
    if (left <= 0) return;
    timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
    nanosleep(&ts, nullptr);
  }
}

// One process's loop: returns the operations completed in [start, end), -1 on failure.
int64_t RunLimiter(const std::string& dir, int64_t start_ns, int64_t end_ns) {
  auto gate = Gate::Open(LimiterOptions(dir));
  if (!gate.ok()) {
    std::fprintf(stderr, "open: %s\n", gate.status().ToString().c_str());
    return -1;
  }
  AcquireRequest request;
  request.scopes = {"key:bench"};
  request.cost = {{"requests", 1}, {"tokens", 1200}};
  SleepUntil(start_ns);
  int64_t done = 0;
  while (MonotonicNanos() < end_ns) {
    Result<AcquireOutcome> r = (*gate)->limiter().TryAcquire(request);
    if (!r.ok() || !r->granted()) {
      std::fprintf(stderr, "acquire: %s\n", r.ok() ? "denied" : r.status().ToString().c_str());
      return -1;
    }
    ++done;
  }
  return done;
}

int64_t RunRaw(const std::string& dir, int64_t start_ns, int64_t end_ns) {
  auto counter = RawCounter::Open(dir + "/raw.db", "key:bench");
  if (!counter.ok()) {
    std::fprintf(stderr, "open: %s\n", counter.status().ToString().c_str());
    return -1;
  }
  SleepUntil(start_ns);
  int64_t done = 0;
  while (MonotonicNanos() < end_ns) {
    if (!(*counter)->Transaction()) {
      std::fprintf(stderr, "raw transaction: %s\n", (*counter)->error().c_str());
      return -1;
    }
    ++done;
  }
  return done;
}

// Forks `procs` processes running `body` over the same window; returns operations/s.
double Measure(int procs, double seconds, int64_t (*body)(const std::string&, int64_t, int64_t),
               const std::string& dir) {
  // Children open their databases during the first 300 ms and all start together.
  const int64_t start_ns = MonotonicNanos() + 300'000'000;
  const int64_t end_ns = start_ns + static_cast<int64_t>(seconds * 1e9);
  std::vector<pid_t> pids;
  std::vector<int> fds;
  std::fflush(nullptr);
  for (int i = 0; i < procs; ++i) {
    int p[2];
    if (::pipe(p) != 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(p[0]);
      int64_t done = body(dir, start_ns, end_ns);
      ssize_t w = ::write(p[1], &done, sizeof done);
      ::_exit(w == sizeof done && done >= 0 ? 0 : 1);
    }
    ::close(p[1]);
    pids.push_back(pid);
    fds.push_back(p[0]);
  }
  int64_t total = 0;
  bool failed = false;
  for (int i = 0; i < procs; ++i) {
    int64_t done = -1;
    if (::read(fds[i], &done, sizeof done) != sizeof done || done < 0) failed = true;
    total += done > 0 ? done : 0;
    ::close(fds[i]);
    int status = 0;
    ::waitpid(pids[i], &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = true;
  }
  if (failed) return -1;
  return static_cast<double>(total) / seconds;
}

void Prepare(const std::string& dir) {
  auto gate = Gate::Open(LimiterOptions(dir));
  if (!gate.ok()) {
    std::fprintf(stderr, "open: %s\n", gate.status().ToString().c_str());
    std::exit(1);
  }
  if (Status s = CreateRawCounterTable(dir + "/raw.db"); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::exit(1);
  }
}

std::string JoinNumbers(const std::vector<double>& v, const char* format) {
  std::string out;
  char buf[64];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, format, v[i]);
    out += (i ? ", " : "") + std::string(buf);
  }
  return out;
}

Config ParseFlags(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--seconds=", 0) == 0) {
      config.seconds = std::atof(arg.c_str() + 10);
    } else if (arg.rfind("--procs=", 0) == 0) {
      config.procs.clear();
      for (const char* p = arg.c_str() + 8; *p;) {
        config.procs.push_back(std::atoi(p));
        while (*p && *p != ',') ++p;
        if (*p == ',') ++p;
      }
    } else {
      std::fprintf(stderr, "usage: %s [--seconds=N] [--procs=1,2,4,8]\n", argv[0]);
      std::exit(2);
    }
  }
  return config;
}

}  // namespace
}  // namespace llmgate::bench

int main(int argc, char** argv) {
  using namespace llmgate::bench;
  const Config config = ParseFlags(argc, argv);
  std::vector<double> procs, acquire, raw, ratio;
  for (int n : config.procs) {
    // Fresh files for every point, so no run inherits another's WAL.
    std::string dir = MakeTempDir("llmgate-scale");
    Prepare(dir);
    // Baseline first, then the library, back to back, so both see the same machine load.
    const double r = Measure(n, config.seconds, &RunRaw, dir);
    const double a = Measure(n, config.seconds, &RunLimiter, dir);
    RemoveTree(dir);
    if (r < 0 || a < 0) {
      std::fprintf(stderr, "a process failed at %d processes\n", n);
      return 1;
    }
    procs.push_back(n);
    raw.push_back(r);
    acquire.push_back(a);
    ratio.push_back(a / r);
  }
  std::printf(
      "{\"procs\": [%s], \"acquire_per_s\": [%s], \"raw_tx_per_s\": [%s], \"acquire_to_raw\": [%s], "
      "\"seconds\": %g, \"cpus\": %ld}\n",
      JoinNumbers(procs, "%.0f").c_str(), JoinNumbers(acquire, "%.0f").c_str(), JoinNumbers(raw, "%.0f").c_str(),
      JoinNumbers(ratio, "%.3f").c_str(), config.seconds, sysconf(_SC_NPROCESSORS_ONLN));
  return 0;
}
