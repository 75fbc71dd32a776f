#include "store/state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace llmgate::internal {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace

Result<std::string> ResolveStateDir(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (std::string dir = Env("LLMGATE_DIR"); !dir.empty()) return dir;
  if (std::string xdg = Env("XDG_STATE_HOME"); !xdg.empty()) return xdg + "/llmgate";
  if (std::string home = Env("HOME"); !home.empty()) return home + "/.local/state/llmgate";
  return FailedPreconditionError(
      "no state directory: set Options::state_dir, $LLMGATE_DIR, $XDG_STATE_HOME or $HOME");
}

Status EnsureDirectory(const std::string& path, mode_t mode) {
  if (path.empty()) return FailedPreconditionError("empty state directory path");
  // Create each missing component in turn; parents get the same mode.
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string part = path.substr(0, pos);
    if (::mkdir(part.c_str(), mode) == 0) {
      ::chmod(part.c_str(), mode);  // mkdir's mode is narrowed by the umask; the option is not
    } else if (errno != EEXIST) {
      return FailedPreconditionError("cannot create state directory " + part + ": " + ErrnoText(errno));
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return FailedPreconditionError("cannot read state directory " + path + ": " + ErrnoText(errno));
  }
  if (!S_ISDIR(st.st_mode)) return FailedPreconditionError("state path " + path + " is not a directory");
  if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
    return FailedPreconditionError("state directory " + path + " is not writable: " + ErrnoText(errno));
  }
  return Status::Ok();
}

bool IsNetworkFilesystemType(long f_type) {
  switch (static_cast<unsigned long>(f_type) & 0xFFFFFFFFul) {
    case 0x6969:      // NFS
    case 0x517B:      // SMB
    case 0xFF534D42:  // CIFS
    case 0xFE534D42:  // SMB2
    case 0x5346414F:  // AFS (OpenAFS)
    case 0x6B414653:  // kAFS
    case 0x00C36400:  // Ceph
    case 0x01021997:  // 9p / v9fs
    case 0x65735546:  // FUSE (sshfs, s3fs, ...): cannot be told apart from network mounts
    case 0x47504653:  // GPFS
    case 0x0BD00BD0:  // Lustre
    case 0x564C:      // NCP (Novell)
      return true;
    default:
      return false;
  }
}

Status CheckLocalFilesystem(const std::string& path) {
  struct statfs fs;
  if (::statfs(path.c_str(), &fs) != 0) {
    return FailedPreconditionError("cannot statfs " + path + ": " + ErrnoText(errno));
  }
  if (IsNetworkFilesystemType(fs.f_type)) {
    char magic[32];
    std::snprintf(magic, sizeof magic, "0x%lx", static_cast<unsigned long>(fs.f_type));
    return FailedPreconditionError(
        "state directory " + path + " is on a network or FUSE filesystem (type " + magic +
        "); SQLite WAL needs every process on one host with a local filesystem: choose a local directory");
  }
  return Status::Ok();
}

namespace {

// Creates `file` with `mode`: the new descriptor, or -1 with errno set (EEXIST when the file
// is there already, which then keeps its own mode).
int CreateExclusive(const std::string& file, mode_t mode) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd >= 0) ::fchmod(fd, mode);  // open's mode is narrowed by the umask; the option is not
  return fd;
}

}  // namespace

Status CreateFileWithMode(const std::string& file, mode_t mode) {
  const int fd = CreateExclusive(file, mode);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  // An existing file keeps its mode; whether it is usable is SQLite's to report.
  if (errno == EEXIST) return Status::Ok();
  return FailedPreconditionError("cannot create " + file + ": " + ErrnoText(errno));
}

int OpenCreatingWithMode(const std::string& file, mode_t mode) {
  const int fd = CreateExclusive(file, mode);
  if (fd >= 0 || errno != EEXIST) return fd;
  return ::open(file.c_str(), O_RDWR | O_CLOEXEC);
}

}  // namespace llmgate::internal
