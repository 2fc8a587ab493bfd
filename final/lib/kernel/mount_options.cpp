#include "kernel/mount_options.hpp"

#include "spec/linux_names.hpp"

#include <sys/mount.h>

#include <map>

namespace minirun {

namespace {

struct Flag {
  bool clear;  // "rw" clears MS_RDONLY, "suid" clears MS_NOSUID, ...
  unsigned long flag;
};

const std::map<std::string, Flag> kFlags = {
    {"ro", {false, MS_RDONLY}},          {"rw", {true, MS_RDONLY}},
    {"nosuid", {false, MS_NOSUID}},      {"suid", {true, MS_NOSUID}},
    {"nodev", {false, MS_NODEV}},        {"dev", {true, MS_NODEV}},
    {"noexec", {false, MS_NOEXEC}},      {"exec", {true, MS_NOEXEC}},
    {"sync", {false, MS_SYNCHRONOUS}},   {"async", {true, MS_SYNCHRONOUS}},
    {"dirsync", {false, MS_DIRSYNC}},    {"mand", {false, MS_MANDLOCK}},
    {"nomand", {true, MS_MANDLOCK}},     {"noatime", {false, MS_NOATIME}},
    {"atime", {true, MS_NOATIME}},       {"nodiratime", {false, MS_NODIRATIME}},
    {"diratime", {true, MS_NODIRATIME}}, {"relatime", {false, MS_RELATIME}},
    {"norelatime", {true, MS_RELATIME}}, {"strictatime", {false, MS_STRICTATIME}},
    {"nostrictatime", {true, MS_STRICTATIME}},
    {"bind", {false, MS_BIND}},          {"rbind", {false, MS_BIND | MS_REC}},
    {"defaults", {false, 0}},
};

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
  MountOptions parsed;
  for (const auto& option : options) {
    if (auto flag = kFlags.find(option); flag != kFlags.end()) {
      if (flag->second.clear) {
        parsed.flags &= ~flag->second.flag;
      } else {
        parsed.flags |= flag->second.flag;
      }
    } else if (unsigned long propagation = propagation_flags(option)) {
      parsed.propagation = propagation;
    } else {
      parsed.data += (parsed.data.empty() ? "" : ",") + option;
    }
  }
  return parsed;
}

std::vector<std::string> known_mount_options() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : kFlags) names.push_back(name);
  for (const auto& name : propagation_names()) names.push_back(name);
  return names;
}

}  // namespace minirun
