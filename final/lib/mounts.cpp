#include "mounts.hpp"

#include "error.hpp"
#include "fd.hpp"
#include "mount_options.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace minirun {

namespace {

const unsigned long kBindFlags = MS_BIND | MS_REC;

void do_mount(const std::string& source, const std::string& target, const std::string& type,
              unsigned long flags, const std::string& data) {
  check(::mount(source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(), flags,
                data.empty() ? nullptr : data.c_str()),
        "mount " + (type.empty() ? source : type) + " on", target);
}

// A bind mount ignores every flag but MS_REC; "ro", "nosuid" and the like need a remount.
void remount_bind(const std::string& target, unsigned long flags) {
  check(::mount(nullptr, target.c_str(), nullptr, flags | MS_BIND | MS_REMOUNT, nullptr), "remount", target);
}

void bind(const std::string& source, const std::string& target, unsigned long flags) {
  struct stat st {};
  check(::stat(source.c_str(), &st), "stat bind source", source);
  make_mount_point(target, !S_ISDIR(st.st_mode));
  do_mount(source, target, "", MS_BIND | (flags & MS_REC), "");
  if (flags & ~kBindFlags) remount_bind(target, flags & ~kBindFlags);
}

// A v1 `cgroup` mount is a tmpfs with the container's own directory of each hierarchy bound in;
// on v2 it is cgroup2 itself (a cgroup namespace makes its root the container's cgroup).
void mount_cgroup(const std::string& target, const MountOptions& o, const std::vector<HierarchyView>& views) {
  make_mount_point(target, false);
  if (cgroup_layout() == "v2") {
    do_mount("cgroup2", target, "cgroup2", o.flags, "");
    return;
  }
  do_mount("tmpfs", target, "tmpfs", o.flags & ~MS_RDONLY, "mode=755");
  for (const auto& view : views) {
    std::string sub = target + view.mount_point.substr(view.mount_point.rfind('/'));
    bind(view.mount_point + view.path, sub, o.flags);
  }
  if (o.flags & MS_RDONLY) do_mount("tmpfs", target, "tmpfs", o.flags | MS_REMOUNT, "mode=755");
}

void mount_one(const std::string& rootfs, const Mount& m, const std::vector<HierarchyView>& cgroups) {
  std::string target = rootfs + m.destination;
  MountOptions o = parse_mount_options(m.options);
  if (m.type == "bind" || (o.flags & MS_BIND)) {
    bind(m.source, target, o.flags);
  } else if (m.type == "cgroup") {
    mount_cgroup(target, o, cgroups);
  } else {
    make_mount_point(target, false);
    do_mount(m.source.empty() ? m.type : m.source, target, m.type, o.flags, o.data);
  }
  if (o.propagation) check(::mount(nullptr, target.c_str(), nullptr, o.propagation, nullptr), "mount propagation", target);
}

// The flags a remount must keep: dropping nosuid or noexec by accident would loosen the mount.
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

}  // namespace

void make_mount_point(const std::string& path, bool as_file) {
  std::error_code ec;
  std::filesystem::path dir = as_file ? std::filesystem::path(path).parent_path() : std::filesystem::path(path);
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("mkdir", path, ec.value());
  if (as_file) Fd file(static_cast<int>(check(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644), "create", path)));
}

void mount_all(const std::string& rootfs, const std::vector<Mount>& mounts,
               const std::vector<HierarchyView>& cgroups) {
  for (const auto& mount : mounts) mount_one(rootfs, mount, cgroups);
}

void bind_host_device(const std::string& host_path, const std::string& path) {
  make_mount_point(path, true);
  do_mount(host_path, path, "", MS_BIND, "");
}

void make_devices(const std::string& rootfs, bool in_user_namespace) {
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  const Node devices[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
                            {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const auto& d : devices) {
    std::string path = rootfs + "/dev/" + d.name;
    if (in_user_namespace) {
      bind_host_device(std::string("/dev/") + d.name, path);
      continue;
    }
    if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(d.major, d.minor)) == -1 && errno != EEXIST) {
      throw Error("mknod", path, errno);
    }
    check(::chmod(path.c_str(), 0666), "chmod", path);  // mknod's mode went through the umask
  }
  const std::pair<const char*, const char*> links[] = {{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
                                                        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                                        {"pts/ptmx", "ptmx"},         {"/proc/kcore", "core"}};
  for (const auto& [target, name] : links) {
    std::string path = rootfs + "/dev/" + name;
    if (::symlink(target, path.c_str()) == -1 && errno != EEXIST) throw Error("symlink", path, errno);
  }
}

void mask_paths(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == -1) {
      if (errno == ENOENT) continue;
      throw Error("stat", path, errno);
    }
    if (S_ISDIR(st.st_mode)) {
      do_mount("tmpfs", path, "tmpfs", MS_RDONLY, "");
    } else {
      do_mount("/dev/null", path, "", MS_BIND, "");
    }
  }
}

void make_readonly(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (::access(path.c_str(), F_OK) == -1) {
      if (errno == ENOENT) continue;
      throw Error("access", path, errno);
    }
    do_mount(path, path, "", MS_BIND | MS_REC, "");
    remount_bind(path, flags_of_mount(path) | MS_RDONLY);
  }
}

}  // namespace minirun
