#include "runtime/init.hpp"

#include "base/error.hpp"
#include "base/log.hpp"
#include "kernel/console.hpp"
#include "kernel/devices.hpp"
#include "kernel/hooks.hpp"
#include "kernel/mounts.hpp"
#include "kernel/namespaces.hpp"
#include "kernel/process.hpp"
#include "kernel/sysctl.hpp"
#include "spec/linux_names.hpp"
#include "runtime/launch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace minirun {

namespace {

bool mounts_dev(const Spec& spec) {
  for (const auto& mount : spec.mounts) {
    if (mount.destination == "/dev") return true;
  }
  return false;
}

// Before pivot_root, while the host's paths still resolve: minirun runs prestart and createRuntime
// and sends back the state, then the createContainer hooks run here. Returns the state ("" when
// the spec has no such hooks) for startContainer.
std::string run_create_hooks(const Spec& spec, Channel& channel) {
  if (!has_create_hooks(spec.hooks)) return "";
  channel.send("hooks");
  std::string state = channel.wait_reply();
  run_hooks(spec.hooks.create_container, state, "createContainer");
  return state;
}

// The last steps, the same with a mount namespace or without.
void finish_setup(const InitPlan& plan) {
  const Spec& spec = plan.spec;
  if (!spec.hostname.empty()) check(::sethostname(spec.hostname.data(), spec.hostname.size()), "sethostname", spec.hostname);
  check(::chdir(spec.process.cwd.c_str()), "chdir", spec.process.cwd);
  if (plan.console_socket >= 0) set_up_console(Fd(plan.console_socket), spec.process);
  apply_limits(spec.process);
}

// No mount namespace of its own (the spec allows it): the runtime's mount table stays as it is, and the
// container gets a chroot. The sysctls go through the host's /proc, which shows the container's network
// and ipc namespaces to a process in them.
std::string set_up_without_mount_namespace(const InitPlan& plan, Channel& channel) {
  if (!plan.rootfs.lower_layers.empty()) throw Error("layers need a mount namespace of the container's own");
  std::string state = run_create_hooks(plan.spec, channel);
  apply_sysctl(plan.spec.sysctl);
  chroot_only(plan.rootfs.path);
  finish_setup(plan);
  return state;
}

// Everything between "new mount namespace" and "the program can run". Returns the state for the
// startContainer hooks.
std::string set_up_container(const InitPlan& plan, const std::vector<HierarchyView>& cgroups, Channel& channel) {
  const Spec& spec = plan.spec;
  if (!spec.has_namespace("mount")) return set_up_without_mount_namespace(plan, channel);
  // runc's default, rslave: host mounts still reach the container, nothing goes back.
  unsigned long propagation = propagation_flags(spec.rootfs_propagation.empty() ? "rslave" : spec.rootfs_propagation);
  set_mount_propagation(propagation, plan.rootfs.path);
  mount_rootfs(plan.rootfs);
  mount_all(plan.rootfs.path, spec.mounts, cgroups);
  bool user_namespace = spec.has_namespace("user");
  if (mounts_dev(spec)) make_devices(plan.rootfs.path, user_namespace);
  make_device_nodes(plan.rootfs.path, spec.devices, user_namespace);
  std::string state = run_create_hooks(spec, channel);
  if (plan.no_pivot) {
    chroot_into(plan.rootfs.path);
  } else {
    pivot_into(plan.rootfs.path);
  }
  if (!spec.rootfs_propagation.empty()) set_root_propagation(propagation);
  apply_sysctl(spec.sysctl);  // in the container's /proc/sys, before readonlyPaths covers it
  mask_paths(spec.masked_paths);
  make_readonly(spec.readonly_paths);
  if (spec.root_readonly) make_root_readonly();
  finish_setup(plan);
  return state;
}

// Blocks until `start` writes its byte. The fifo was opened read-write, so the open did not block
// and the read waits for data rather than for a writer.
void wait_for_start(const Fd& fifo) {
  char byte = 0;
  while (::read(fifo.get(), &byte, 1) == -1) {
    if (errno != EINTR) ::_exit(1);
  }
}

}  // namespace

void run_init(const InitPlan& plan, const std::vector<HierarchyView>& cgroups, Channel& channel) {
  Fd fifo;
  std::string state;
  try {
    check(::setsid(), "setsid");
    fifo = Fd(static_cast<int>(check(::open(plan.fifo.c_str(), O_RDWR | O_CLOEXEC), "open", plan.fifo)));
    if (plan.spec.makes_user_namespace()) become_user_namespace_root();  // the fifo is open: it stays usable
    state = set_up_container(plan, cgroups, channel);
    channel.send("ready");
    // minirun answers once the container is recorded. If minirun is killed before that, the create
    // has failed: end of file here, and the init exits instead of waiting for a start that never comes.
    channel.wait_reply();
  } catch (const std::exception& e) {
    channel.fail(e.what());
  }
  wait_for_start(fifo);
  fifo.reset();
  const auto& args = plan.spec.process.args;
  int status = 1;
  try {
    run_hooks(plan.spec.hooks.start_container, state, "startContainer");
    status = exec_program(plan.spec.process, plan.seccomp ? &*plan.seccomp : nullptr, plan.preserve_fds);
    log_error("exec \"" + args.front() + "\": " + std::strerror(errno));
  } catch (const std::exception& e) {
    log_error(e.what());
  }
  ::_exit(status);
}

std::vector<HierarchyView> enter_new_namespaces(const InitPlan& plan, Channel& channel) {
  auto cgroups = own_v1_hierarchies();
  enter_namespaces(plan.spec.namespaces);
  // A new user namespace starts with no ids mapped; only a process outside it may map more
  // than its own uid, so minirun writes the maps and says when they are there.
  if (plan.spec.makes_user_namespace()) {
    channel.send("userns");
    channel.wait_reply();
  }
  return cgroups;
}

}  // namespace minirun
