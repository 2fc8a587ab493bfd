#include "kernel/devices.hpp"

#include "base/error.hpp"
#include "kernel/mounts.hpp"
#include "kernel/path_in_root.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

namespace minirun {

namespace {

struct DefaultNode {
  const char* name;
  unsigned major, minor;
};
const DefaultNode kDefaultNodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                     {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

mode_t node_type(const std::string& type) {
  if (type == "b") return S_IFBLK;
  if (type == "p") return S_IFIFO;
  return S_IFCHR;  // "c" and "u" (unbuffered character device)
}

// What make_devices() creates plus the pseudo terminals: always usable.
std::vector<DeviceRule> default_allowed() {
  std::vector<DeviceRule> rules;
  for (const auto& node : kDefaultNodes) rules.push_back({true, "c", node.major, node.minor, "rwm"});
  rules.push_back({true, "c", 5, 2, "rwm"});     // /dev/ptmx
  rules.push_back({true, "c", 136, -1, "rwm"});  // /dev/pts/N
  return rules;
}

std::string number_text(int64_t number) { return number < 0 ? "*" : std::to_string(number); }

}  // namespace

void make_devices(const std::string& rootfs, bool in_user_namespace) {
  Fd root = open_root(rootfs);
  Fd dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
  for (const auto& d : kDefaultNodes) {
    std::string path = std::string("/dev/") + d.name;
    if (in_user_namespace) {
      bind_host_device(path, root, path);
      continue;
    }
    if (::mknodat(dev.get(), d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) == -1) {
      if (errno == EEXIST) continue;  // the spec's /dev already has it: left as it is
      throw Error("mknod", path, errno);
    }
    check(::fchmodat(dev.get(), d.name, 0666, 0), "chmod", path);  // mknod's mode went through the umask
  }
  const std::pair<const char*, const char*> links[] = {{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
                                                        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                                        {"pts/ptmx", "ptmx"},         {"/proc/kcore", "core"}};
  for (const auto& [target, name] : links) {
    if (::symlinkat(target, dev.get(), name) == -1 && errno != EEXIST) throw Error("symlink", std::string("/dev/") + name, errno);
  }
}

void make_device_nodes(const std::string& rootfs, const std::vector<Device>& devices, bool in_user_namespace) {
  if (devices.empty()) return;
  Fd root = open_root(rootfs);
  for (const auto& d : devices) {
    if (in_user_namespace) {
      bind_host_device(d.path, root, d.path);
      continue;
    }
    Fd dir = make_path_in_root(root, d.path.substr(0, d.path.rfind('/')), false);
    std::string name = d.path.substr(d.path.rfind('/') + 1);
    ::unlinkat(dir.get(), name.c_str(), 0);  // a node of the same name from the image is replaced
    mode_t mode = node_type(d.type) | (d.file_mode.value_or(0666) & 07777);
    dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    check(::mknodat(dir.get(), name.c_str(), mode, dev), "mknod", d.path);
    // mknod's mode went through the umask. The name is the node just made: nothing to follow.
    check(::fchmodat(dir.get(), name.c_str(), mode & 07777, 0), "chmod", d.path);
    check(::fchownat(dir.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0), AT_SYMLINK_NOFOLLOW), "chown", d.path);
  }
}

std::vector<DeviceRule> effective_device_rules(const Spec& spec) {
  if (spec.resources.devices.empty()) return {};
  std::vector<DeviceRule> rules = spec.resources.devices;
  for (const auto& rule : default_allowed()) rules.push_back(rule);
  for (const auto& d : spec.devices) {
    if (d.type != "p") rules.push_back({true, d.type == "b" ? "b" : "c", d.major, d.minor, "rwm"});
  }
  return rules;
}

std::string device_rule_text(const DeviceRule& rule) {
  if (rule.type == "a") return "a";
  return rule.type + " " + number_text(rule.major) + ":" + number_text(rule.minor) + " " + rule.access;
}

}  // namespace minirun
