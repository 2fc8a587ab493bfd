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
    "process",
    "process.terminal",
    "process.args",
    "process.env",
    "process.cwd",
    "process.user",
    "process.user.uid",
    "process.user.gid",
    "process.user.additionalGids",
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
    "linux.resources",
    "linux.resources.memory",
    "linux.resources.memory.limit",
    "linux.resources.memory.swap",
    "linux.resources.pids",
    "linux.resources.pids.limit",
    "linux.resources.cpu",
    "linux.resources.cpu.quota",
    "linux.resources.cpu.period",
    "linux.resources.cpu.shares",
    "linux.cgroupsPath",
    "linux.maskedPaths",
    "linux.readonlyPaths",
};

// Objects whose keys are free-form (not field names).
const std::set<std::string> kFreeForm = {"annotations"};

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
