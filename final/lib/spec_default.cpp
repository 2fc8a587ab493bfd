// The other direction: a Spec back to config.json, and the default one `minirun spec` writes.
#include "spec.hpp"

#include <nlohmann/json.hpp>
#include <sched.h>

#include <cerrno>

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

// What `runc spec` gives a container's process: three capabilities and no more. Everything else
// root could do (CAP_SYS_ADMIN's mount and sethostname, CAP_NET_RAW, CAP_MKNOD, CAP_SYS_CHROOT...)
// is gone from every set, so no exec can bring it back.
Capabilities default_capabilities() {
  std::vector<std::string> kept = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  return {kept, kept, {}, kept, {}};
}

// System calls a container has no business making, refused with EPERM even when a spec gives
// back the capability that guards them: seccomp is the second lock on the same door. A plain
// nlohmann::json keeps its keys sorted, as parse_spec() stores linux.seccomp, so that the default
// reads back unchanged.
nlohmann::json default_seccomp() {
  const std::vector<std::vector<std::string>> denied = {
      // The mount table: the container's view of the file system is the runtime's to build.
      {"mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig",
       "fsmount", "fspick", "mount_setattr"},
      // New or other namespaces: unshare(CLONE_NEWUSER) would give back every capability inside.
      {"unshare", "setns"},
      // The machine itself: reboot, load or swap kernels and modules.
      {"reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module"},
      // Host-wide settings no namespace holds: swap, process accounting, the clock.
      {"swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime"},
      // Kernel interfaces with a long history of exploits.
      {"bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key"},
      // Opening a file by handle walks around the mount namespace (the "shocker" escape).
      {"open_by_handle_at"},
      // Reading and writing other processes' memory.
      {"ptrace", "process_vm_readv", "process_vm_writev"},
  };
  nlohmann::json syscalls = nlohmann::json::array();
  for (const auto& names : denied) syscalls.push_back({{"names", names}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EPERM}});
  // clone() with CLONE_NEWUSER is the other way to a new user namespace. clone3() passes its flags
  // in memory, where a filter cannot look: it fails with ENOSYS, and glibc then falls back to clone().
  nlohmann::json new_user_namespace = {{"index", 0}, {"value", CLONE_NEWUSER}, {"valueTwo", CLONE_NEWUSER}, {"op", "SCMP_CMP_MASKED_EQ"}};
  syscalls.push_back({{"names", {"clone"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EPERM}, {"args", {new_user_namespace}}});
  syscalls.push_back({{"names", {"clone3"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", ENOSYS}});
  return {{"defaultAction", "SCMP_ACT_ALLOW"},
          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"}},
          {"syscalls", syscalls}};
}

// Deny every device; the runtime then allows the nodes it makes in /dev (null, zero, full,
// random, urandom, tty, ptmx and the pseudo terminals) and those of linux.devices.
std::vector<DeviceRule> default_device_rules() { return {{false, "a", -1, -1, "rwm"}}; }

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
  spec.process.capabilities = default_capabilities();
  spec.process.rlimits = {{"RLIMIT_NOFILE", 1024, 1024}};
  spec.process.no_new_privileges = true;  // no setuid binary or file capability can raise them again
  spec.root_path = "rootfs";
  spec.root_readonly = true;
  spec.hostname = "minirun";
  spec.mounts = default_mounts();
  spec.namespaces = {{"pid", ""}, {"network", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}, {"cgroup", ""}};
  spec.masked_paths = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                       "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                       "/proc/scsi"};
  spec.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  spec.resources.devices = default_device_rules();
  spec.resources.pids_limit = 1024;  // a fork bomb stops here, not at the host's limit
  spec.seccomp = default_seccomp().dump();
  return spec;
}

}  // namespace minirun
