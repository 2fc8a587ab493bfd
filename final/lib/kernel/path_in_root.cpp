#include "kernel/path_in_root.hpp"

#include "base/error.hpp"
#include "base/text.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <deque>

namespace minirun {

namespace {

const int kMaxSymlinks = 40;  // the kernel's own limit for one walk (ELOOP)
const int kMaxRetries = 16;

// Returns the fd, or -1 with errno set.
int openat2_in_root(const Fd& root, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = -1;
  // EAGAIN: a rename or a mount raced with a ".." step of the walk, and the kernel asks to retry.
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    fd = ::syscall(SYS_openat2, root.get(), path.c_str(), &how, sizeof how);
    if (fd != -1 || errno != EAGAIN) break;
  }
  return static_cast<int>(fd);
}

std::deque<std::string> components_of(const std::string& path) {
  std::deque<std::string> parts;
  for (std::string_view piece : split(path, '/')) {
    std::string part(piece);
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  return parts;
}

std::string join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }

// Creates `name` in `dir`: true when made, false when something of that name is already there.
bool create_entry(const Fd& dir, const std::string& name, bool as_file, const std::string& path) {
  int result = -1;
  if (as_file) {
    // O_EXCL|O_NOFOLLOW: never create through a symlink; a dangling one is followed by the caller.
    result = ::openat(dir.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (result >= 0) Fd made(result);
  } else {
    result = ::mkdirat(dir.get(), name.c_str(), 0755);
  }
  if (result >= 0) return true;
  if (errno == EEXIST) return false;
  throw Error(as_file ? "create in the rootfs" : "mkdir in the rootfs", path, errno);
}

std::string read_link(const Fd& dir, const std::string& name, const std::string& path) {
  char target[PATH_MAX];
  ssize_t size = ::readlinkat(dir.get(), name.c_str(), target, sizeof target);
  // Not a symlink (EINVAL): the entry appeared between our lookup and our mkdir.
  if (size == -1) throw Error("mkdir in the rootfs", path, errno == EINVAL ? EEXIST : errno);
  return std::string(target, static_cast<size_t>(size));
}

}  // namespace

Fd open_root(const std::string& rootfs) {
  return Fd(static_cast<int>(check(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), "open", rootfs)));
}

Fd open_in_root(const Fd& root, const std::string& path, int flags) {
  int fd = openat2_in_root(root, path, flags);
  if (fd == -1) throw Error("open in the rootfs", path, errno);
  return Fd(fd);
}

Fd make_path_in_root(const Fd& root, const std::string& path, bool as_file) {
  // Most destinations exist already (/proc, /dev, /sys in any image): one openat2 settles them.
  Fd existing(openat2_in_root(root, path, O_PATH));
  if (existing.valid()) return existing;
  if (errno != ENOENT) throw Error("open in the rootfs", path, errno);

  // The walk starts at the parent when that is there (a directory of the image, or a mount just made,
  // as /dev for /dev/pts), with only the last component left to make; from the root otherwise.
  const std::string top = "/";
  std::deque<std::string> todo = components_of(path);
  std::string walked = top;
  for (size_t i = 0; i + 1 < todo.size(); ++i) walked = join(walked, todo[i]);
  Fd dir(openat2_in_root(root, walked, O_PATH | O_DIRECTORY));
  if (dir.valid() && !todo.empty()) {
    todo.erase(todo.begin(), todo.end() - 1);
  } else {
    walked = top;
    dir = open_in_root(root, walked, O_PATH | O_DIRECTORY);
  }
  int symlinks = 0;
  while (!todo.empty()) {
    std::string name = todo.front();
    todo.pop_front();
    std::string next = join(walked, name);
    Fd found(openat2_in_root(root, next, O_PATH));
    if (!found.valid()) {
      if (errno != ENOENT) throw Error("open in the rootfs", next, errno);
      if (create_entry(dir, name, as_file && todo.empty(), next)) {
        found = open_in_root(root, next, O_PATH);
      } else {
        // A dangling symlink: walk its target instead, from the root or from `walked`.
        if (++symlinks > kMaxSymlinks) throw Error("mkdir in the rootfs", path, ELOOP);
        std::string target = read_link(dir, name, next);
        std::deque<std::string> parts = components_of(target);
        todo.insert(todo.begin(), parts.begin(), parts.end());
        if (target.starts_with("/")) {
          walked = top;
          dir = open_in_root(root, walked, O_PATH | O_DIRECTORY);
        }
        continue;
      }
    }
    dir = std::move(found);
    walked = next;
  }
  return dir;
}

std::string fd_path(const Fd& fd) { return "/proc/self/fd/" + std::to_string(fd.get()); }

}  // namespace minirun
