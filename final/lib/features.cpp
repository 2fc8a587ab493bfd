#include "features.hpp"

#include "capabilities.hpp"
#include "mount_options.hpp"
#include "seccomp.hpp"

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

}  // namespace

json features() {
  return {{"ociVersionMin", "1.0.0"},
          {"ociVersionMax", "1.0.2"},
          {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
          {"mountOptions", known_mount_options()},
          {"linux", linux_features()},
          {"annotations", {{"io.github.seccomp.libseccomp.version", libseccomp_version()}}}};
}

}  // namespace minirun
