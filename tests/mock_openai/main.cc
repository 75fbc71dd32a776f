// mock_openai: a local stand-in for the OpenAI API with OpenAI's rate-limit behaviour and
// injectable faults. This file holds the process lifecycle: flags, config, the port file,
// and a clean stop on SIGTERM / SIGINT.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "app.h"
#include "config.h"
#include "flags.h"
#include "http_server.h"

namespace llmgate::mock {
namespace {

// How long a stop may take before the process exits anyway: an idle kept-alive connection
// holds its worker thread until its keep-alive timeout, which a test should not wait for.
constexpr auto kStopGrace = std::chrono::seconds(2);

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

// Written to a temporary name and renamed, so a reader polling for the file never sees it
// empty or half written.
bool WritePortFile(const std::string& path, int port, std::string* error) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    *error = "cannot write " + tmp;
    return false;
  }
  bool ok = std::fprintf(f, "%d\n", port) > 0;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Options options;
  std::string error;
  if (!ParseFlags(argc, argv, &options, &error)) {
    std::fprintf(stderr, "mock_openai: %s\n\n%s", error.c_str(), Usage());
    return 2;
  }
  if (options.help) {
    std::fputs(Usage(), stdout);
    return 0;
  }
  Config config;
  if (!options.config_file.empty()) {
    std::string text;
    if (!ReadFile(options.config_file, &text)) {
      std::fprintf(stderr, "mock_openai: cannot read %s\n", options.config_file.c_str());
      return 2;
    }
    if (!ApplyConfigJson(text, &config, &error)) {
      std::fprintf(stderr, "mock_openai: %s: %s\n", options.config_file.c_str(), error.c_str());
      return 2;
    }
  }

  // Block the stop signals before any thread starts (threads inherit the mask), so one
  // thread can take them with sigwait() and stop the server outside a signal handler.
  // SIGUSR1 only wakes that thread when the server ends on its own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up mid-answer must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  App app(std::move(config));
  HttpServer server(&app, options);
  int port = 0;
  if (!server.Bind(&port, &error)) {
    std::fprintf(stderr, "mock_openai: %s\n", error.c_str());
    return 1;
  }
  if (!options.port_file.empty() && !WritePortFile(options.port_file, port, &error)) {
    std::fprintf(stderr, "mock_openai: %s\n", error.c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", options.host.c_str(), port);
  std::fflush(stdout);

  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  auto cleanup = [&options] {
    if (!options.port_file.empty()) std::remove(options.port_file.c_str());
  };

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGUSR1) return;
    app.RequestStop();
    server.Stop();
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, kStopGrace, [&] { return finished; })) {
      cleanup();
      std::fflush(nullptr);
      _exit(0);
    }
  });

  std::thread parent_watch;
  if (options.watch_parent) {
    pid_t parent = getppid();
    parent_watch = std::thread([&, parent] {
      std::unique_lock<std::mutex> lock(mu);
      while (!cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return finished; })) {
        // Orphans are re-parented, so a new parent id means the starter is gone.
        if (getppid() != parent) {
          kill(getpid(), SIGTERM);
          return;
        }
      }
    });
  }

  bool ok = server.Run();
  {
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
  }
  cv.notify_all();
  pthread_kill(waiter.native_handle(), SIGUSR1);
  waiter.join();
  if (parent_watch.joinable()) parent_watch.join();
  cleanup();
  return ok || app.stopping() ? 0 : 1;
}

}  // namespace
}  // namespace llmgate::mock

int main(int argc, char** argv) { return llmgate::mock::Main(argc, argv); }
