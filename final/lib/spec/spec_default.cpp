// The default config.json, the one `minirun spec` writes and `run --rootfs` starts from: runc's,
// hardened, minus the fields minirun does not implement yet.
#include "spec/spec.hpp"

#include <sched.h>

#include <cerrno>

namespace minirun {

namespace {

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
// back the capability that guards them: seccomp is the second lock on the same door.
SeccompProfile default_seccomp() {
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
  SeccompProfile profile;
  profile.default_action = "SCMP_ACT_ALLOW";
  profile.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"};
  for (const auto& names : denied) profile.syscalls.push_back({names, "SCMP_ACT_ERRNO", EPERM, {}});
  // clone() with CLONE_NEWUSER is the other way to a new user namespace. clone3() passes its flags
  // in memory, where a filter cannot look: it fails with ENOSYS, and glibc then falls back to clone().
  SeccompArg new_user_namespace{0, CLONE_NEWUSER, CLONE_NEWUSER, "SCMP_CMP_MASKED_EQ"};
  profile.syscalls.push_back({{"clone"}, "SCMP_ACT_ERRNO", EPERM, {new_user_namespace}});
  profile.syscalls.push_back({{"clone3"}, "SCMP_ACT_ERRNO", ENOSYS, {}});
  return profile;
}

// Deny every device; the runtime then allows the nodes it makes in /dev (null, zero, full,
// random, urandom, tty, ptmx and the pseudo terminals) and those of linux.devices.
std::vector<DeviceRule> default_device_rules() { return {{false, "a", -1, -1, "rwm"}}; }

}  // namespace

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
  spec.seccomp = default_seccomp();
  return spec;
}

}  // namespace minirun
