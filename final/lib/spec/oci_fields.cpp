// Every field the OCI runtime spec (v1.3: config.md, config-linux.md) defines for a Linux container, by
// its path in config.json. spec_support.cpp tells three kinds of key apart with it: those minirun
// implements (schema.hpp), those the spec defines and minirun cannot apply (refused by name), and the
// rest, which the spec says a runtime MUST NOT fail on (ignored, and said with --debug).
#include "spec/oci_fields.hpp"

#include <set>

namespace minirun {

namespace {

// "[]" marks the elements of an array; an object's own path is listed along with its fields.
const std::set<std::string> kFields = {
    "ociVersion", "hostname", "domainname", "annotations",
    "root", "root.path", "root.readonly",
    "mounts", "mounts[].destination", "mounts[].source", "mounts[].options", "mounts[].type",
    "mounts[].uidMappings", "mounts[].gidMappings",
    "process", "process.terminal", "process.consoleSize", "process.consoleSize.height",
    "process.consoleSize.width", "process.cwd", "process.env", "process.args", "process.commandLine",
    "process.rlimits", "process.rlimits[].type", "process.rlimits[].soft", "process.rlimits[].hard",
    "process.apparmorProfile", "process.capabilities", "process.capabilities.effective",
    "process.capabilities.bounding", "process.capabilities.inheritable", "process.capabilities.permitted",
    "process.capabilities.ambient", "process.noNewPrivileges", "process.oomScoreAdj", "process.scheduler",
    "process.scheduler.policy", "process.scheduler.nice", "process.scheduler.priority",
    "process.scheduler.flags", "process.scheduler.runtime", "process.scheduler.deadline",
    "process.scheduler.period", "process.selinuxLabel", "process.ioPriority", "process.ioPriority.class",
    "process.ioPriority.priority", "process.execCPUAffinity", "process.execCPUAffinity.initial",
    "process.execCPUAffinity.final", "process.user", "process.user.uid", "process.user.gid",
    "process.user.umask", "process.user.additionalGids", "process.user.username",
    "hooks", "hooks.prestart", "hooks.createRuntime", "hooks.createContainer", "hooks.startContainer",
    "hooks.poststart", "hooks.poststop",
    "linux", "linux.namespaces", "linux.namespaces[].type", "linux.namespaces[].path", "linux.uidMappings",
    "linux.uidMappings[].containerID", "linux.uidMappings[].hostID", "linux.uidMappings[].size",
    "linux.gidMappings", "linux.gidMappings[].containerID", "linux.gidMappings[].hostID",
    "linux.gidMappings[].size", "linux.timeOffsets", "linux.devices", "linux.devices[].type",
    "linux.devices[].path", "linux.devices[].major", "linux.devices[].minor", "linux.devices[].fileMode",
    "linux.devices[].uid", "linux.devices[].gid", "linux.cgroupsPath", "linux.resources",
    "linux.resources.devices", "linux.resources.devices[].allow", "linux.resources.devices[].type",
    "linux.resources.devices[].major", "linux.resources.devices[].minor", "linux.resources.devices[].access",
    "linux.resources.memory", "linux.resources.memory.limit", "linux.resources.memory.reservation",
    "linux.resources.memory.swap", "linux.resources.memory.kernel", "linux.resources.memory.kernelTCP",
    "linux.resources.memory.swappiness", "linux.resources.memory.disableOOMKiller",
    "linux.resources.memory.useHierarchy", "linux.resources.memory.checkBeforeUpdate",
    "linux.resources.cpu", "linux.resources.cpu.shares", "linux.resources.cpu.quota",
    "linux.resources.cpu.burst", "linux.resources.cpu.period", "linux.resources.cpu.realtimeRuntime",
    "linux.resources.cpu.realtimePeriod", "linux.resources.cpu.cpus", "linux.resources.cpu.mems",
    "linux.resources.cpu.idle", "linux.resources.blockIO", "linux.resources.hugepageLimits",
    "linux.resources.network", "linux.resources.pids", "linux.resources.pids.limit",
    "linux.resources.rdma", "linux.resources.unified", "linux.intelRdt", "linux.memoryPolicy",
    "linux.netDevices", "linux.sysctl", "linux.seccomp", "linux.seccomp.defaultAction",
    "linux.seccomp.defaultErrnoRet", "linux.seccomp.architectures", "linux.seccomp.flags",
    "linux.seccomp.listenerPath", "linux.seccomp.listenerMetadata", "linux.seccomp.syscalls",
    "linux.seccomp.syscalls[].names", "linux.seccomp.syscalls[].action", "linux.seccomp.syscalls[].errnoRet",
    "linux.seccomp.syscalls[].args", "linux.seccomp.syscalls[].args[].index",
    "linux.seccomp.syscalls[].args[].value", "linux.seccomp.syscalls[].args[].valueTwo",
    "linux.seccomp.syscalls[].args[].op", "linux.rootfsPropagation", "linux.maskedPaths",
    "linux.readonlyPaths", "linux.mountLabel", "linux.personality",
    "vm",  // a virtual-machine runtime's hypervisor, kernel and image
};

// The elements of the hook lists.
const std::set<std::string> kHookFields = {"path", "args", "env", "timeout"};

}  // namespace

bool in_oci_spec(const std::string& path) {
  if (kFields.contains(path)) return true;
  // hooks.<kind>[].<field>
  auto element = path.find("[].");
  return path.starts_with("hooks.") && element != std::string::npos && kFields.contains(path.substr(0, element)) &&
         kHookFields.contains(path.substr(element + 3));
}

}  // namespace minirun
