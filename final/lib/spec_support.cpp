#include "spec_support.hpp"

#include "error.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace minirun {

namespace {

// Every field minirun implements, as a path into config.json ("[]" stands for an array element).
// To support a new field: implement it, then add its path here.
const std::set<std::string> kSupported = {
    "ociVersion",
    "hostname",
    "annotations",
    "hooks",
    "hooks.prestart",
    "hooks.prestart[].path",
    "hooks.prestart[].args",
    "hooks.prestart[].env",
    "hooks.prestart[].timeout",
    "hooks.createRuntime",
    "hooks.createRuntime[].path",
    "hooks.createRuntime[].args",
    "hooks.createRuntime[].env",
    "hooks.createRuntime[].timeout",
    "hooks.createContainer",
    "hooks.createContainer[].path",
    "hooks.createContainer[].args",
    "hooks.createContainer[].env",
    "hooks.createContainer[].timeout",
    "hooks.startContainer",
    "hooks.startContainer[].path",
    "hooks.startContainer[].args",
    "hooks.startContainer[].env",
    "hooks.startContainer[].timeout",
    "hooks.poststart",
    "hooks.poststart[].path",
    "hooks.poststart[].args",
    "hooks.poststart[].env",
    "hooks.poststart[].timeout",
    "hooks.poststop",
    "hooks.poststop[].path",
    "hooks.poststop[].args",
    "hooks.poststop[].env",
    "hooks.poststop[].timeout",
    "process",
    "process.terminal",
    "process.consoleSize",
    "process.consoleSize.height",
    "process.consoleSize.width",
    "process.args",
    "process.env",
    "process.cwd",
    "process.user",
    "process.user.uid",
    "process.user.gid",
    "process.user.additionalGids",
    "process.user.umask",
    "process.capabilities",
    "process.capabilities.bounding",
    "process.capabilities.effective",
    "process.capabilities.inheritable",
    "process.capabilities.permitted",
    "process.capabilities.ambient",
    "process.noNewPrivileges",
    "process.rlimits",
    "process.rlimits[].type",
    "process.rlimits[].soft",
    "process.rlimits[].hard",
    "process.oomScoreAdj",
    "root",
    "root.path",
    "root.readonly",
    "mounts",
    "mounts[].destination",
    "mounts[].type",
    "mounts[].source",
    "mounts[].options",
    "linux",
    "linux.namespaces",
    "linux.namespaces[].type",
    "linux.namespaces[].path",
    "linux.uidMappings",
    "linux.uidMappings[].containerID",
    "linux.uidMappings[].hostID",
    "linux.uidMappings[].size",
    "linux.gidMappings",
    "linux.gidMappings[].containerID",
    "linux.gidMappings[].hostID",
    "linux.gidMappings[].size",
    "linux.resources",
    "linux.resources.devices",
    "linux.resources.devices[].allow",
    "linux.resources.devices[].type",
    "linux.resources.devices[].major",
    "linux.resources.devices[].minor",
    "linux.resources.devices[].access",
    "linux.resources.memory",
    "linux.resources.memory.limit",
    "linux.resources.memory.swap",
    "linux.resources.memory.reservation",
    "linux.resources.pids",
    "linux.resources.pids.limit",
    "linux.resources.cpu",
    "linux.resources.cpu.quota",
    "linux.resources.cpu.period",
    "linux.resources.cpu.shares",
    "linux.cgroupsPath",
    "linux.maskedPaths",
    "linux.readonlyPaths",
    "linux.sysctl",
    "linux.devices",
    "linux.devices[].path",
    "linux.devices[].type",
    "linux.devices[].major",
    "linux.devices[].minor",
    "linux.devices[].fileMode",
    "linux.devices[].uid",
    "linux.devices[].gid",
    "linux.seccomp",
    "linux.seccomp.defaultAction",
    "linux.seccomp.defaultErrnoRet",
    "linux.seccomp.architectures",
    "linux.seccomp.flags",
    "linux.seccomp.syscalls",
    "linux.seccomp.syscalls[].names",
    "linux.seccomp.syscalls[].action",
    "linux.seccomp.syscalls[].errnoRet",
    "linux.seccomp.syscalls[].args",
    "linux.seccomp.syscalls[].args[].index",
    "linux.seccomp.syscalls[].args[].value",
    "linux.seccomp.syscalls[].args[].valueTwo",
    "linux.seccomp.syscalls[].args[].op",
};

// Objects whose keys are free-form (not field names).
const std::set<std::string> kFreeForm = {"annotations", "linux.sysctl"};

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

void check_object(const nlohmann::json& object, const std::string& prefix);

void check_value(const nlohmann::json& value, const std::string& path) {
  if (kFreeForm.contains(path)) return;
  if (value.is_object()) check_object(value, path);
  if (value.is_array()) {
    for (const auto& element : value) {
      if (element.is_object()) check_object(element, path + "[]");
    }
  }
}

void check_object(const nlohmann::json& object, const std::string& prefix) {
  for (const auto& [key, value] : object.items()) {
    std::string path = join(prefix, key);
    if (!kSupported.contains(path)) throw Error("unsupported field \"" + path + "\"");
    check_value(value, path);
  }
}

}  // namespace

void refuse_unsupported(const nlohmann::json& value, const std::string& prefix) {
  if (!value.is_object()) throw Error((prefix.empty() ? "config.json" : prefix) + ": not a JSON object");
  check_object(value, prefix);
}

}  // namespace minirun
