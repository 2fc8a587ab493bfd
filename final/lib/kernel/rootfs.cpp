#include "kernel/rootfs.hpp"

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/fd.hpp"
#include "base/text.hpp"
#include "kernel/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace minirun {

namespace {

std::string join_layers(const std::vector<std::string>& layers) {
  std::string joined;
  for (const auto& layer : layers) joined += (joined.empty() ? "" : ":") + layer;
  return joined;
}

// The mount point of the mount `path` is on: the longest mount point in /proc/self/mountinfo that
// holds it (field 5; a later mount on the same point hides the earlier one, which is fine here).
std::string mount_point_above(const std::string& path) {
  std::string mountinfo = read_file("/proc/self/mountinfo");
  std::string best = "/";
  for (std::string_view line : split(mountinfo, '\n')) {
    auto fields = split(line, ' ');
    if (fields.size() < 5) continue;
    std::string point(fields[4]);
    bool holds = point == "/" || path == point || path.starts_with(point + "/");
    if (holds && point.size() > best.size()) best = point;
  }
  return best;
}

}  // namespace

void set_mount_propagation(unsigned long flags, const std::string& rootfs) {
  check(::mount(nullptr, "/", nullptr, flags, nullptr), "mount propagation of", "/");
  if (!(flags & MS_SHARED)) return;
  // pivot_root refuses a new root whose parent mount is shared; the parent alone becomes private.
  std::string parent = mount_point_above(rootfs);
  check(::mount(nullptr, parent.c_str(), nullptr, MS_PRIVATE, nullptr), "mount --make-private", parent);
}

void set_root_propagation(unsigned long flags) {
  check(::mount(nullptr, "/", nullptr, flags, nullptr), "mount propagation of", "/ (the container's)");
}

void mount_rootfs(const RootfsPlan& plan) {
  if (!plan.lower_layers.empty()) {
    // lowerdir: first is the top layer; all of them stay read-only, writes go to upperdir.
    std::string data = "lowerdir=" + join_layers(plan.lower_layers) + ",upperdir=" + plan.upper + ",workdir=" + plan.work;
    // volatile: no sync of the upper's file system when the overlay is unmounted. The upper is the
    // container's own directory, deleted with it, so there is nothing worth syncing. Kernels before
    // 5.10 do not know the option and refuse it with EINVAL: then mount without it.
    if (::mount("overlay", plan.path.c_str(), "overlay", 0, (data + ",volatile").c_str()) == -1) {
      if (errno != EINVAL) throw Error("mount overlay (volatile) on", plan.path, errno);
      check(::mount("overlay", plan.path.c_str(), "overlay", 0, data.c_str()), "mount overlay on", plan.path);
    }
  }
  // pivot_root needs the new root to be a mount point: bind it onto itself.
  check(::mount(plan.path.c_str(), plan.path.c_str(), nullptr, MS_BIND | MS_REC, nullptr), "bind mount", plan.path);
}

void pivot_into(const std::string& rootfs) {
  Fd old_root(static_cast<int>(check(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC), "open", "/")));
  check(::chdir(rootfs.c_str()), "chdir", rootfs);
  check(::syscall(SYS_pivot_root, ".", "."), "pivot_root", rootfs);
  // The old root is now mounted on top of the new one, and "." is still the old root.
  check(::fchdir(old_root.get()), "fchdir", "old root");
  // Unmounting must not propagate anywhere, then lazily detach the old root from the top.
  check(::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr), "mount --make-rslave", "old root");
  check(::umount2(".", MNT_DETACH), "umount2", "old root");
  check(::chdir("/"), "chdir", "/");
}

void chroot_into(const std::string& rootfs) {
  check(::chdir(rootfs.c_str()), "chdir", rootfs);
  check(::mount(rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr), "mount --move", rootfs);
  check(::chroot("."), "chroot", rootfs);
  check(::chdir("/"), "chdir", "/");
}

void chroot_only(const std::string& rootfs) {
  check(::chdir(rootfs.c_str()), "chdir", rootfs);
  check(::chroot("."), "chroot", rootfs);
  check(::chdir("/"), "chdir", "/");
}

void make_root_readonly() {
  unsigned long keep = flags_of_mount("/");
  check(::mount(nullptr, "/", nullptr, keep | MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr), "remount read-only", "/");
}

}  // namespace minirun
