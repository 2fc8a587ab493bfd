#include "kernel/namespaces.hpp"

#include "base/error.hpp"

#include <fcntl.h>
#include <grp.h>
#include <unistd.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>

namespace minirun {

namespace {

// The whole map in one write(): the kernel takes a map file only once.
void write_map(const std::string& path, const std::vector<IdMapping>& mappings) {
  std::string text;
  for (const auto& m : mappings) {
    text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  }
  Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!file.valid()) throw Error("open", path, errno);
  check(::write(file.get(), text.data(), text.size()), "write", path);
}

}  // namespace

void write_id_maps(pid_t pid, const std::vector<IdMapping>& uids, const std::vector<IdMapping>& gids) {
  std::string proc = "/proc/" + std::to_string(pid);
  write_map(proc + "/uid_map", uids);
  write_map(proc + "/gid_map", gids);
}

namespace {

void join_path(const std::string& path, int flag) {
  Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) throw Error("open namespace", path, errno);
  check(::setns(ns.get(), flag), "setns", path);
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

void enter_namespaces(const std::vector<Namespace>& namespaces) {
  int new_ones = 0;
  for (const auto& kind : kNamespaceKinds) {
    for (const auto& ns : namespaces) {
      if (ns.type != kind.spec_name) continue;
      if (ns.path.empty()) {
        new_ones |= kind.clone_flag;
      } else {
        join_path(ns.path, kind.clone_flag);
      }
    }
  }
  check(::unshare(new_ones), "unshare");
}

void become_user_namespace_root() {
  check(::setgroups(0, nullptr), "setgroups");
  check(::setresgid(0, 0, 0), "setresgid", "0");
  check(::setresuid(0, 0, 0), "setresuid", "0");
}

std::vector<OpenNamespace> open_namespaces_of(pid_t pid) {
  std::vector<OpenNamespace> opened;
  for (const auto& kind : kNamespaceKinds) {
    std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + kind.proc_name;
    if (same_file(theirs, std::string("/proc/self/ns/") + kind.proc_name)) continue;
    Fd fd(::open(theirs.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) throw Error("open namespace", theirs, errno);
    opened.push_back({kind.proc_name, std::move(fd)});
  }
  return opened;
}

void join(const std::vector<OpenNamespace>& namespaces) {
  for (const auto& ns : namespaces) check(::setns(ns.fd.get(), 0), "setns", ns.name);
}

}  // namespace minirun
