#include "sysctl.hpp"

#include "error.hpp"
#include "fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace minirun {

namespace {

// The namespace that makes a key the container's own.
std::string owning_namespace(const std::string& key) {
  const char* const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                             "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  if (std::ranges::find(ipc, key) != std::end(ipc) || key.starts_with("fs.mqueue.")) return "ipc";
  if (key.starts_with("net.")) return "network";
  if (key == "kernel.hostname" || key == "kernel.domainname") return "uts";
  return "";
}

}  // namespace

void check_sysctl(const std::string& key, const std::vector<Namespace>& namespaces) {
  std::string owner = owning_namespace(key);
  bool own = std::ranges::any_of(namespaces, [&](const Namespace& ns) { return ns.type == owner; });
  if (owner.empty() || !own || key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
    throw Error("invalid field \"linux.sysctl\": \"" + key + "\" is not owned by a namespace of the container");
  }
}

void apply_sysctl(const std::map<std::string, std::string>& settings) {
  for (const auto& [key, value] : settings) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!file.valid()) throw Error("open", path, errno);
    check(::write(file.get(), value.data(), value.size()), "write", path);
  }
}

}  // namespace minirun
