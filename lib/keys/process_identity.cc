#include "keys/process_identity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace llmgate::internal {
namespace {

struct ProcStat {
  char state = '?';
  int64_t start_ticks = 0;
};

// Fields 3 (state) and 22 (start time) of /proc/<pid>/stat; zeros when unreadable.
ProcStat ReadStat(pid_t pid) {
  ProcStat stat;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return stat;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after
  // the last ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return stat;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return stat;
    if (i == 3) stat.state = field.empty() ? '?' : field[0];
  }
  stat.start_ticks = std::strtoll(field.c_str(), nullptr, 10);
  return stat;
}

}  // namespace

ProcessIdentity CurrentProcess() {
  static thread_local ProcessIdentity cached;
  const pid_t pid = getpid();
  if (cached.pid != pid) cached = ProcessIdentity{pid, ReadStat(pid).start_ticks};
  return cached;
}

bool IsAlive(const ProcessIdentity& p) {
  if (p.pid <= 0) return false;
  if (kill(p.pid, 0) != 0 && errno != EPERM) return false;
  const ProcStat stat = ReadStat(p.pid);
  if (stat.state == 'Z' || stat.state == 'X') return false;  // exited, not yet reaped
  // An unreadable /proc entry keeps the lease: nothing says the process is gone.
  return p.start_ticks == 0 || stat.start_ticks == 0 || stat.start_ticks == p.start_ticks;
}

}  // namespace llmgate::internal
