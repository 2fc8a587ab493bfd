#include "kernel/mounts.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"
#include "kernel/mount_options.hpp"
#include "kernel/path_in_root.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

namespace minirun {

namespace {

const unsigned long kBindFlags = MS_BIND | MS_REC;

// Where a mount goes: the path mount(2) gets, and the one an error names.
struct Place {
  std::string path;
  std::string shown;
};

// A mount point inside the root, held by an O_PATH fd. Mounting on "/proc/self/fd/N" attaches the
// new mount to exactly what the fd holds, wherever a symlink of the image pointed.
Place place_of(const Fd& target, const std::string& destination) { return {fd_path(target), destination}; }
Place place_of(const std::string& path) { return {path, path}; }

void do_mount(const std::string& source, const Place& target, const std::string& type, unsigned long flags,
              const std::string& data) {
  check(::mount(source.c_str(), target.path.c_str(), type.empty() ? nullptr : type.c_str(), flags,
                data.empty() ? nullptr : data.c_str()),
        "mount " + (type.empty() ? source : type) + " on", target.shown);
}

// A bind mount ignores every flag but MS_REC; "ro", "nosuid" and the like need a remount.
void remount_bind(const Place& target, unsigned long flags) {
  check(::mount(nullptr, target.path.c_str(), nullptr, flags | MS_BIND | MS_REMOUNT, nullptr), "remount", target.shown);
}

// The fd of a mount point still holds what was under the mount. Changing the mount itself (a
// remount, its propagation) needs a new walk, which crosses into the mount on top.
Fd reopen(const Fd& root, const std::string& destination) { return open_in_root(root, destination, O_PATH); }

void bind(const std::string& source, const Fd& root, const std::string& destination, unsigned long flags) {
  struct stat st {};
  check(::stat(source.c_str(), &st), "stat bind source", source);
  {
    Fd target = make_path_in_root(root, destination, !S_ISDIR(st.st_mode));
    do_mount(source, place_of(target, destination), "", MS_BIND | (flags & MS_REC), "");
  }
  if (flags & ~kBindFlags) remount_bind(place_of(reopen(root, destination), destination), flags & ~kBindFlags);
}

std::string last_component(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// A v1 `cgroup` mount is a tmpfs with the container's own directory of each hierarchy bound in;
// on v2 it is cgroup2 itself (a cgroup namespace makes its root the container's cgroup).
void mount_cgroup(const Fd& root, const std::string& destination, const MountOptions& o,
                  const std::vector<HierarchyView>& views) {
  {
    Fd target = make_path_in_root(root, destination, false);
    if (cgroup_layout() == "v2") {
      do_mount("cgroup2", place_of(target, destination), "cgroup2", o.flags, "");
      return;
    }
    do_mount("tmpfs", place_of(target, destination), "tmpfs", o.flags & ~MS_RDONLY, "mode=755");
  }
  for (const auto& view : views) {
    bind(view.mount_point + view.path, root, destination + "/" + last_component(view.mount_point), o.flags);
  }
  if (o.flags & MS_RDONLY) {
    do_mount("tmpfs", place_of(reopen(root, destination), destination), "tmpfs", o.flags | MS_REMOUNT, "mode=755");
  }
}

void mount_one(const Fd& root, const Mount& m, const std::vector<HierarchyView>& cgroups) {
  MountOptions o = parse_mount_options(m.options);
  if (m.type == "bind" || (o.flags & MS_BIND)) {
    bind(m.source, root, m.destination, o.flags);
  } else if (m.type == "cgroup") {
    mount_cgroup(root, m.destination, o, cgroups);
  } else {
    Fd target = make_path_in_root(root, m.destination, false);
    do_mount(m.source.empty() ? m.type : m.source, place_of(target, m.destination), m.type, o.flags, o.data);
  }
  if (o.propagation) {
    Fd mounted = reopen(root, m.destination);
    check(::mount(nullptr, fd_path(mounted).c_str(), nullptr, o.propagation, nullptr), "mount propagation", m.destination);
  }
}

}  // namespace

unsigned long flags_of_mount(const std::string& path) {
  struct statvfs vfs {};
  check(::statvfs(path.c_str(), &vfs), "statvfs", path);
  unsigned long flags = 0;
  if (vfs.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (vfs.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (vfs.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (vfs.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (vfs.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (vfs.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

void mount_all(const std::string& rootfs, const std::vector<Mount>& mounts,
               const std::vector<HierarchyView>& cgroups) {
  Fd root = open_root(rootfs);
  for (const auto& mount : mounts) mount_one(root, mount, cgroups);
}

void bind_host_device(const std::string& host_path, const Fd& root, const std::string& path) {
  Fd target = make_path_in_root(root, path, true);
  do_mount(host_path, place_of(target, path), "", MS_BIND, "");
}

void mask_paths(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == -1) {
      if (errno == ENOENT) continue;
      throw Error("stat", path, errno);
    }
    if (S_ISDIR(st.st_mode)) {
      do_mount("tmpfs", place_of(path), "tmpfs", MS_RDONLY, "");
    } else {
      do_mount("/dev/null", place_of(path), "", MS_BIND, "");
    }
  }
}

void make_readonly(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (::access(path.c_str(), F_OK) == -1) {
      if (errno == ENOENT) continue;
      throw Error("access", path, errno);
    }
    do_mount(path, place_of(path), "", MS_BIND | MS_REC, "");
    remount_bind(place_of(path), flags_of_mount(path) | MS_RDONLY);
  }
}

}  // namespace minirun
