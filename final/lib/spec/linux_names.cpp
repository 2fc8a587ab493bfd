#include "spec/linux_names.hpp"

#include "base/error.hpp"

#include <sys/mount.h>
#include <sys/resource.h>

#include <algorithm>
#include <iterator>
#include <map>

namespace minirun {

namespace {

// In the kernel's order: the index is the capability's number (linux/capability.h).
const char* const kCapabilities[] = {
    "CAP_CHOWN",          "CAP_DAC_OVERRIDE",    "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",         "CAP_KILL",            "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",      "CAP_NET_RAW",         "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",     "CAP_SYS_RAWIO",       "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",      "CAP_SYS_ADMIN",       "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",   "CAP_SYS_TIME",        "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",          "CAP_AUDIT_WRITE",     "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",       "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",      "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
constexpr int kKnownCapabilities = static_cast<int>(std::size(kCapabilities));

const std::pair<const char*, int> kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK}};

// The namespace that makes a sysctl key the container's own.
std::string owning_namespace(const std::string& key) {
  const char* const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                             "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  if (std::ranges::find(ipc, key) != std::end(ipc) || key.starts_with("fs.mqueue.")) return "ipc";
  if (key.starts_with("net.")) return "network";
  if (key == "kernel.hostname" || key == "kernel.domainname") return "uts";
  return "";
}

}  // namespace

int capability_number(const std::string& name) {
  for (int cap = 0; cap < kKnownCapabilities; ++cap) {
    if (name == kCapabilities[cap]) return cap;
  }
  throw Error("invalid field \"process.capabilities\": unknown capability \"" + name + "\"");
}

std::string capability_name(int number) {
  return number >= 0 && number < kKnownCapabilities ? kCapabilities[number] : std::to_string(number);
}

std::vector<std::string> capability_names() { return {std::begin(kCapabilities), std::end(kCapabilities)}; }

int rlimit_resource(const std::string& name) {
  for (const auto& [spec_name, resource] : kRlimits) {
    if (name == spec_name) return resource;
  }
  throw Error("invalid field \"process.rlimits[].type\": unknown limit \"" + name + "\"");
}

void check_sysctl(const std::string& key, const std::vector<Namespace>& namespaces) {
  std::string owner = owning_namespace(key);
  bool own = std::ranges::any_of(namespaces, [&](const Namespace& ns) { return ns.type == owner; });
  if (owner.empty() || !own || key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
    throw Error("invalid field \"linux.sysctl\": \"" + key + "\" is not owned by a namespace of the container");
  }
}

namespace {

const std::map<std::string, unsigned long> kPropagation = {
    {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},           {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},             {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
};

}  // namespace

unsigned long propagation_flags(const std::string& name) {
  auto found = kPropagation.find(name);
  return found == kPropagation.end() ? 0 : found->second;
}

std::vector<std::string> propagation_names() {
  std::vector<std::string> names;
  for (const auto& [name, flags] : kPropagation) names.push_back(name);
  return names;
}

}  // namespace minirun
