// The other direction: a Spec back to config.json, and the default one `minirun spec` writes.
#include "spec.hpp"

#include <nlohmann/json.hpp>

namespace minirun {

using json = nlohmann::ordered_json;

namespace {

json capabilities_json(const Capabilities& c) {
  return {{"bounding", c.bounding},   {"effective", c.effective}, {"inheritable", c.inheritable},
          {"permitted", c.permitted}, {"ambient", c.ambient}};
}

json process_json(const Process& p) {
  json process = {{"terminal", p.terminal},
                  {"user", {{"uid", p.user.uid}, {"gid", p.user.gid}, {"additionalGids", p.user.additional_gids}}},
                  {"args", p.args},
                  {"env", p.env},
                  {"cwd", p.cwd}};
  if (p.console_size) process["consoleSize"] = {{"height", p.console_size->height}, {"width", p.console_size->width}};
  if (p.user.umask) process["user"]["umask"] = *p.user.umask;
  if (p.capabilities) process["capabilities"] = capabilities_json(*p.capabilities);
  if (p.no_new_privileges) process["noNewPrivileges"] = true;
  for (const auto& r : p.rlimits) process["rlimits"].push_back({{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}});
  if (p.oom_score_adj) process["oomScoreAdj"] = *p.oom_score_adj;
  return process;
}

json hooks_json(const Hooks& hooks) {
  json out = json::object();
  for (const auto& [name, list] : kHookKinds) {
    for (const auto& hook : hooks.*list) {
      json entry = {{"path", hook.path}};
      if (!hook.args.empty()) entry["args"] = hook.args;
      if (!hook.env.empty()) entry["env"] = hook.env;
      if (hook.timeout) entry["timeout"] = *hook.timeout;
      out[name].push_back(entry);
    }
  }
  return out;
}

json device_json(const Device& d) {
  json device = {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}};
  if (d.file_mode) device["fileMode"] = *d.file_mode;
  if (d.uid) device["uid"] = *d.uid;
  if (d.gid) device["gid"] = *d.gid;
  return device;
}

json device_rule_json(const DeviceRule& r) {
  json rule = {{"allow", r.allow}, {"type", r.type}, {"access", r.access}};
  if (r.major >= 0) rule["major"] = r.major;
  if (r.minor >= 0) rule["minor"] = r.minor;
  return rule;
}

json mount_json(const Mount& m) {
  json mount = {{"destination", m.destination}, {"type", m.type}, {"source", m.source}};
  if (!m.options.empty()) mount["options"] = m.options;
  return mount;
}

json namespace_json(const Namespace& ns) {
  json out = {{"type", ns.type}};
  if (!ns.path.empty()) out["path"] = ns.path;
  return out;
}

json resources_json(const Resources& r) {
  json out = json::object();
  for (const auto& rule : r.devices) out["devices"].push_back(device_rule_json(rule));
  if (r.memory_limit) out["memory"]["limit"] = *r.memory_limit;
  if (r.memory_reservation) out["memory"]["reservation"] = *r.memory_reservation;
  if (r.memory_swap) out["memory"]["swap"] = *r.memory_swap;
  if (r.pids_limit) out["pids"]["limit"] = *r.pids_limit;
  if (r.cpu_quota) out["cpu"]["quota"] = *r.cpu_quota;
  if (r.cpu_period) out["cpu"]["period"] = *r.cpu_period;
  if (r.cpu_shares) out["cpu"]["shares"] = *r.cpu_shares;
  return out;
}

json mappings_json(const std::vector<IdMapping>& mappings) {
  json out = json::array();
  for (const auto& m : mappings) out.push_back({{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}});
  return out;
}

json linux_json(const Spec& spec) {
  json linux = {{"namespaces", json::array()}};
  for (const auto& ns : spec.namespaces) linux["namespaces"].push_back(namespace_json(ns));
  if (!spec.uid_mappings.empty()) linux["uidMappings"] = mappings_json(spec.uid_mappings);
  if (!spec.gid_mappings.empty()) linux["gidMappings"] = mappings_json(spec.gid_mappings);
  json resources = resources_json(spec.resources);
  if (!resources.empty()) linux["resources"] = resources;
  if (!spec.cgroups_path.empty()) linux["cgroupsPath"] = spec.cgroups_path;
  if (!spec.masked_paths.empty()) linux["maskedPaths"] = spec.masked_paths;
  if (!spec.readonly_paths.empty()) linux["readonlyPaths"] = spec.readonly_paths;
  if (!spec.sysctl.empty()) linux["sysctl"] = spec.sysctl;
  for (const auto& device : spec.devices) linux["devices"].push_back(device_json(device));
  if (!spec.seccomp.empty()) linux["seccomp"] = json::parse(spec.seccomp);
  return linux;
}

std::vector<Mount> default_mounts() {
  return {
      {"/proc", "proc", "proc", {}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
  };
}

}  // namespace

json to_json(const Spec& spec) {
  json doc = {{"ociVersion", spec.oci_version},
              {"process", process_json(spec.process)},
              {"root", {{"path", spec.root_path}, {"readonly", spec.root_readonly}}},
              {"hostname", spec.hostname},
              {"mounts", json::array()},
              {"linux", linux_json(spec)}};
  for (const auto& mount : spec.mounts) doc["mounts"].push_back(mount_json(mount));
  if (!spec.annotations.empty()) doc["annotations"] = spec.annotations;
  if (!spec.hooks.empty()) doc["hooks"] = hooks_json(spec.hooks);
  return doc;
}

std::string to_text(const Spec& spec) { return to_json(spec).dump(2) + "\n"; }

Spec default_spec() {
  Spec spec;
  spec.process.args = {"sh"};
  spec.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
  spec.root_path = "rootfs";
  spec.root_readonly = true;
  spec.hostname = "minirun";
  spec.mounts = default_mounts();
  spec.namespaces = {{"pid", ""}, {"network", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}, {"cgroup", ""}};
  spec.masked_paths = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                       "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                       "/proc/scsi"};
  spec.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  return spec;
}

}  // namespace minirun
