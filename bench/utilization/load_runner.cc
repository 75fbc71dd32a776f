#include "utilization/load_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>

#include "utilization/request_mix.h"

namespace llmgate::bench {
namespace {

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string ReadAll(int fd) {
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
}

// The child's whole life; never returns (exit, not return: the parent's destructors, such as
// the one stopping the mock server, must not run in a child).
[[noreturn]] void RunChild(int process, const LoadPlan& plan, const ClientFactory& factory, int out_fd) {
  std::string error;
  std::unique_ptr<LoadClient> client = factory(process, &error);
  if (!client) {
    WriteAll(out_fd, "setup_error " + error + "\n");
    ::_exit(1);
  }
  std::atomic<bool> stop{false};
  std::mutex mu;
  ProcessTally tally;
  std::vector<std::thread> threads;
  for (int t = 0; t < plan.threads; ++t) {
    threads.emplace_back([&, t] {
      RequestMix mix(plan.seed, process, t);
      SleepUntilUnixMicros(plan.start_us);
      while (!stop.load()) {
        ChatCall call = mix.Next();
        CallOutcome outcome = client->Call(t, call.body, stop);
        const int64_t now_s = UnixMicros() / 1'000'000;
        std::lock_guard<std::mutex> lock(mu);
        tally.attempts += outcome.attempts;
        tally.client_429 += outcome.http_429;
        switch (outcome.kind) {
          case CallOutcome::kOk:
            ++tally.calls_ok;
            break;
          case CallOutcome::kCancelled:
            ++tally.calls_cancelled;
            break;
          case CallOutcome::kFailed:
            ++tally.calls_failed;
            ++tally.failed_at[now_s];
            if (tally.first_error.empty()) tally.first_error = outcome.error;
            break;
        }
      }
    });
  }
  SleepUntilUnixMicros(plan.stop_us);
  stop.store(true);
  for (std::thread& t : threads) t.join();
  client->FinishTally(&tally);
  client.reset();  // closes the gate (flushes its counters) before the process ends
  WriteAll(out_fd, SerializeTally(tally));
  ::_exit(0);
}

}  // namespace

int64_t UnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SleepUntilUnixMicros(int64_t when_us) {
  for (;;) {
    int64_t left = when_us - UnixMicros();
    if (left <= 0) return;
    std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(left, 100'000)));
  }
}

std::string SerializeTally(const ProcessTally& tally) {
  std::ostringstream out;
  out << "ok " << tally.calls_ok << "\nfailed " << tally.calls_failed << "\ncancelled " << tally.calls_cancelled
      << "\nattempts " << tally.attempts << "\nclient_429 " << tally.client_429 << "\n";
  for (const auto& [t, n] : tally.failed_at) out << "failed_at " << t << " " << n << "\n";
  if (!tally.first_error.empty()) {
    std::string e = tally.first_error;
    for (char& c : e) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out << "first_error " << e << "\n";
  }
  return out.str();
}

ProcessTally ParseTally(const std::string& text) {
  ProcessTally tally;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    if (word == "ok") {
      in >> tally.calls_ok;
    } else if (word == "failed") {
      in >> tally.calls_failed;
    } else if (word == "cancelled") {
      in >> tally.calls_cancelled;
    } else if (word == "attempts") {
      in >> tally.attempts;
    } else if (word == "client_429") {
      in >> tally.client_429;
    } else if (word == "failed_at") {
      int64_t t = 0, n = 0;
      in >> t >> n;
      tally.failed_at[t] += n;
    } else if (word == "first_error" || word == "setup_error") {
      std::getline(in, tally.first_error);
      if (!tally.first_error.empty() && tally.first_error[0] == ' ') tally.first_error.erase(0, 1);
    } else {
      std::string rest;
      std::getline(in, rest);
    }
  }
  return tally;
}

bool RunLoad(const LoadPlan& plan, const ClientFactory& factory, std::vector<ProcessTally>* tallies,
             std::string* error) {
  tallies->clear();
  std::vector<pid_t> pids;
  std::vector<int> fds;
  std::fflush(nullptr);  // nothing buffered may be written twice, by parent and child
  for (int p = 0; p < plan.processes; ++p) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) {
      *error = "pipe failed";
      break;
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      for (int fd : fds) ::close(fd);
      ::close(pipe_fds[0]);
      RunChild(p, plan, factory, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    if (pid < 0) {
      ::close(pipe_fds[0]);
      *error = "fork failed";
      break;
    }
    pids.push_back(pid);
    fds.push_back(pipe_fds[0]);
  }
  bool ok = error->empty();
  for (size_t i = 0; i < pids.size(); ++i) {
    const std::string text = ReadAll(fds[i]);
    ::close(fds[i]);
    int status = 0;
    ::waitpid(pids[i], &status, 0);
    ProcessTally tally = ParseTally(text);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (ok) {
        *error = "client process " + std::to_string(i) +
                 (WIFSIGNALED(status) ? " killed by signal " + std::to_string(WTERMSIG(status))
                                      : " failed: " + tally.first_error);
      }
      ok = false;
    }
    tallies->push_back(std::move(tally));
  }
  return ok;
}

}  // namespace llmgate::bench
