#include "kernel/sealed_self.hpp"

#include "base/error.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace minirun {

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
const std::string kSelf = "/proc/self/exe";

Fd checked_fd(long fd, const std::string& operation, const std::string& path) {
  return Fd(static_cast<int>(check(fd, operation, path)));
}

std::string read_link(const std::string& path) {
  char target[PATH_MAX] = {};
  ssize_t length = ::readlink(path.c_str(), target, sizeof target - 1);
  check(length, "readlink", path);
  return std::string(target, static_cast<size_t>(length));
}

// overlayfs splits lowerdir at ':' and takes '\' as an escape.
std::string escaped_layer(const std::string& dir) {
  std::string escaped;
  for (char c : dir) {
    if (c == ':' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

// An empty tmpfs that is mounted nowhere: overlayfs wants two lower layers when it has no upper.
Fd empty_detached_tmpfs() {
  Fd context = checked_fd(::fsopen("tmpfs", FSOPEN_CLOEXEC), "fsopen", "tmpfs");
  check(::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0), "fsconfig(create)", "tmpfs");
  return checked_fd(::fsmount(context.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY), "fsmount", "tmpfs");
}

Fd new_memfd(const char* name) {
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
#ifdef MFD_EXEC
  int fd = ::memfd_create(name, flags | MFD_EXEC);  // says so where vm.memfd_noexec asks (Linux 6.3)
  if (fd != -1 || errno != EINVAL) return checked_fd(fd, "memfd_create", name);
#endif
  return checked_fd(::memfd_create(name, flags), "memfd_create", name);
}

[[noreturn]] void reexec_from(const Fd& view, char** argv) {
  ::fexecve(view.get(), argv, environ);
  throw Error("fexecve", "a sealed view of " + kSelf, errno);
}

Fd sealed_view_of_self(const Fd& self) {
  try {
    Fd view = read_only_overlay_view(read_link(kSelf));
    if (is_sealed(view)) return view;
  } catch (const Error&) {
    // Not root, no overlayfs, an older kernel, a deleted binary: the memfd copy works everywhere.
  }
  Fd copy = sealed_memfd_copy(self);
  if (!is_sealed(copy)) throw Error("the sealed copy of " + kSelf + " is not sealed");
  return copy;
}

}  // namespace

// lowerdir=BINARY'S DIRECTORY:EMPTY, no upperdir: overlayfs then refuses every write, and unlike a
// read-only bind mount there is no writable mount of the same file behind it to reach.
Fd read_only_overlay_view(const std::string& binary) {
  auto slash = binary.rfind('/');
  if (slash == std::string::npos) throw Error("open", binary, EINVAL);
  std::string dir = slash == 0 ? "/" : binary.substr(0, slash), name = binary.substr(slash + 1);
  Fd empty = empty_detached_tmpfs();
  Fd context = checked_fd(::fsopen("overlay", FSOPEN_CLOEXEC), "fsopen", "overlay");
  std::string layers = escaped_layer(dir) + ":/proc/self/fd/" + std::to_string(empty.get());
  check(::fsconfig(context.get(), FSCONFIG_SET_STRING, "lowerdir", layers.c_str(), 0), "fsconfig(lowerdir)", layers);
  ::fsconfig(context.get(), FSCONFIG_SET_STRING, "xino", "off", 0);  // spares a kernel warning; not needed
  check(::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0), "fsconfig(create)", "overlay " + layers);
  Fd mount = checked_fd(::fsmount(context.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID),
                        "fsmount", "overlay " + layers);
  // The open file keeps the mount alive; nothing else refers to it, and it goes with the last user.
  return checked_fd(::openat(mount.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC), "open", binary + " in the overlay");
}

Fd sealed_memfd_copy(const Fd& binary) {
  struct stat info {};
  check(::fstat(binary.get(), &info), "fstat", kSelf);
  Fd copy = new_memfd("minirun");
  off_t offset = 0;
  while (offset < info.st_size) {
    ssize_t sent = ::sendfile(copy.get(), binary.get(), &offset, static_cast<size_t>(info.st_size - offset));
    if (sent == 0) throw Error("sendfile", "memfd copy of " + kSelf, EIO);  // the file shrank under us
    if (sent == -1 && errno != EINTR) throw Error("sendfile", "memfd copy of " + kSelf, errno);
  }
  check(::fcntl(copy.get(), F_ADD_SEALS, kSeals), "fcntl(F_ADD_SEALS)", "memfd copy of " + kSelf);
  return copy;
}

bool is_sealed(const Fd& file) {
  int seals = ::fcntl(file.get(), F_GET_SEALS);
  if (seals != -1) return (seals & kSeals) == kSeals;
  struct statfs fs {};
  struct statvfs vfs {};
  return ::fstatfs(file.get(), &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC && ::fstatvfs(file.get(), &vfs) == 0 &&
         (vfs.f_flag & ST_RDONLY) != 0;
}

void run_from_sealed_self(char** argv) {
  Fd self = checked_fd(::open(kSelf.c_str(), O_RDONLY | O_CLOEXEC), "open", kSelf);
  if (!is_sealed(self)) reexec_from(sealed_view_of_self(self), argv);
  // Inherited by every process minirun forks; the exec of the container's program undoes it.
  check(::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)");
}

}  // namespace minirun
