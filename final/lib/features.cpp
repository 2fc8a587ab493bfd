#include "features.hpp"

#include "capabilities.hpp"
#include "mount_options.hpp"
#include "seccomp.hpp"
#include "spec.hpp"

#include <nlohmann/json.hpp>

namespace minirun {

namespace {

using json = nlohmann::ordered_json;

json linux_features() {
  return {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"}},
          {"capabilities", capability_names()},
          {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
          {"seccomp",
           {{"enabled", true},
            {"actions", seccomp_actions()},
            {"operators", seccomp_operators()},
            {"archs", seccomp_architectures()},
            {"knownFlags", json::array()},
            {"supportedFlags", json::array()}}},
          {"apparmor", {{"enabled", false}}},
          {"selinux", {{"enabled", false}}},
          {"intelRdt", {{"enabled", false}}}};
}

json hook_names() {
  json names = json::array();
  for (const auto& kind : kHookKinds) names.push_back(kind.name);
  return names;
}

}  // namespace

json features() {
  return {{"ociVersionMin", "1.0.0"},
          {"ociVersionMax", "1.0.2"},
          {"hooks", hook_names()},
          {"mountOptions", known_mount_options()},
          {"linux", linux_features()},
          {"annotations", {{"io.github.seccomp.libseccomp.version", libseccomp_version()}}}};
}

}  // namespace minirun
