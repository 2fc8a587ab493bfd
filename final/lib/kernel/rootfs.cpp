#include "kernel/rootfs.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"
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

}  // namespace

void stop_mount_propagation() {
  // MS_SLAVE, as runc does: host mounts still reach the container, nothing goes back.
  check(::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr), "mount --make-rslave", "/");
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

void make_root_readonly() {
  unsigned long keep = flags_of_mount("/");
  check(::mount(nullptr, "/", nullptr, keep | MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr), "remount read-only", "/");
}

}  // namespace minirun
