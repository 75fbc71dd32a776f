#include "launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

extern char** environ;

namespace llmgate::mock {
namespace {

using Clock = std::chrono::steady_clock;

std::string DefaultBinary() {
  if (const char* env = std::getenv("LLMGATE_MOCK_OPENAI"); env != nullptr && *env != '\0') return env;
#ifdef LLMGATE_MOCK_OPENAI_BINARY
  return LLMGATE_MOCK_OPENAI_BINARY;
#else
  return "mock_openai";  // from PATH
#endif
}

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/llmgate-mock-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

void RemoveDir(const std::string& dir) {
  if (dir.empty()) return;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") unlink((dir + "/" + name).c_str());
    }
    closedir(d);
  }
  rmdir(dir.c_str());
}

// Spawns argv[0] with `argv`; stdout goes to /dev/null unless `show_output`.
bool Spawn(const std::vector<std::string>& args, bool show_output, pid_t* pid, std::string* error) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!show_output) posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  // posix_spawn rather than fork: safe in a multithreaded test process.
  int rc = posix_spawnp(pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    *error = "cannot start " + args[0] + ": " + std::strerror(rc);
    return false;
  }
  return true;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

}  // namespace

std::unique_ptr<MockOpenAiProcess> MockOpenAiProcess::Start(const LaunchOptions& options, std::string* error) {
  std::unique_ptr<MockOpenAiProcess> p(new MockOpenAiProcess());
  p->dir_ = MakeTempDir();
  if (p->dir_.empty()) {
    *error = std::string("cannot create a temporary directory: ") + std::strerror(errno);
    return nullptr;
  }
  std::string port_file = p->dir_ + "/port";
  std::vector<std::string> args = {options.binary.empty() ? DefaultBinary() : options.binary,
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   "0",
                                   "--port-file",
                                   port_file,
                                   "--watch-parent"};
  if (!options.config_json.empty()) {
    std::string config_file = p->dir_ + "/config.json";
    std::ofstream out(config_file);
    out << options.config_json;
    if (!out.flush()) {
      *error = "cannot write " + config_file;
      return nullptr;
    }
    args.insert(args.end(), {"--config", config_file});
  }
  if (!options.tls_dir.empty()) {
    args.insert(args.end(),
                {"--tls-cert", options.tls_dir + "/server.crt", "--tls-key", options.tls_dir + "/server.key"});
    p->tls_ = true;
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  if (!Spawn(args, options.show_output, &p->pid_, error)) return nullptr;

  // The server writes the port file (atomically) once it listens.
  auto deadline = Clock::now() + std::chrono::milliseconds(options.startup_timeout_ms);
  while (true) {
    int status = 0;
    if (waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      *error = "mock_openai " + DescribeStatus(status) + " before listening (its stderr says why)";
      return nullptr;
    }
    std::ifstream in(port_file);
    if (in >> p->port_ && p->port_ > 0) return p;
    if (Clock::now() > deadline) {
      *error = "mock_openai did not start listening within " + std::to_string(options.startup_timeout_ms) + " ms";
      return nullptr;  // the destructor kills it
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

MockOpenAiProcess::~MockOpenAiProcess() {
  Stop();
  RemoveDir(dir_);
}

std::string MockOpenAiProcess::origin() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

int MockOpenAiProcess::Stop(int timeout_ms) {
  if (pid_ <= 0) return exit_status_;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (r < 0) break;  // reaped elsewhere: the pid may already belong to another process
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      exit_status_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return exit_status_;
}

bool MakeTestCertificates(const std::string& out_dir, std::string* error) {
#ifdef LLMGATE_MOCK_OPENAI_CERT_SCRIPT
  std::string script = LLMGATE_MOCK_OPENAI_CERT_SCRIPT;
#else
  std::string script = "make_test_cert.sh";
#endif
  pid_t pid;
  if (!Spawn({"/bin/sh", script, out_dir}, true, &pid, error)) return false;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = script + " " + DescribeStatus(status);
    return false;
  }
  return true;
}

}  // namespace llmgate::mock
