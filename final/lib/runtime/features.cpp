#include "runtime/features.hpp"

#include "kernel/mount_options.hpp"
#include "kernel/seccomp_filter.hpp"
#include "spec/linux_names.hpp"
#include "spec/oci.hpp"
#include "spec/schema.hpp"
#include "spec/spec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace minirun {

namespace {

using json = nlohmann::ordered_json;

std::vector<std::string> namespace_names() {
  std::vector<std::string> names;
  for (const auto& kind : kNamespaceKinds) names.push_back(kind.spec_name);
  std::ranges::sort(names);
  return names;
}

json linux_features() {
  return {{"namespaces", namespace_names()},
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

// The linux.resources fields minirun applies, from the table that parses them: the features JSON has no
// place of its own for them, so they go in an annotation, comma-separated.
std::string resource_fields() {
  std::string fields;
  for_each_field<Resources>([&](const auto& row) { fields += (fields.empty() ? "" : ",") + std::string(row.key); });
  return fields;
}

}  // namespace

json features() {
  return {{"ociVersionMin", kOciVersionMin},
          {"ociVersionMax", kOciVersion},
          {"hooks", hook_kinds()},
          {"mountOptions", known_mount_options()},
          {"linux", linux_features()},
          {"annotations", {{"io.github.seccomp.libseccomp.version", libseccomp_version()},
                           {"org.minirun.linux.resources", resource_fields()}}}};
}

std::string version_text() {
  return std::string("minirun version 0.2.0\nspec: ") + kOciVersion + "\nlibseccomp: " + libseccomp_version();
}

}  // namespace minirun
