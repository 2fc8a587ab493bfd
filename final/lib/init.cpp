#include "init.hpp"

#include "error.hpp"
#include "log.hpp"
#include "mounts.hpp"
#include "namespaces.hpp"
#include "process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
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

// Everything between "new mount namespace" and "the program can run".
void set_up_container(const InitPlan& plan, const std::vector<HierarchyView>& cgroups) {
  const Spec& spec = plan.spec;
  stop_mount_propagation();
  mount_rootfs(plan.rootfs);
  mount_all(plan.rootfs.path, spec.mounts, cgroups);
  if (mounts_dev(spec)) make_devices(plan.rootfs.path);
  if (plan.no_pivot) {
    chroot_into(plan.rootfs.path);
  } else {
    pivot_into(plan.rootfs.path);
  }
  mask_paths(spec.masked_paths);
  make_readonly(spec.readonly_paths);
  if (spec.root_readonly) make_root_readonly();
  if (!spec.hostname.empty()) check(::sethostname(spec.hostname.data(), spec.hostname.size()), "sethostname", spec.hostname);
  check(::chdir(spec.process.cwd.c_str()), "chdir", spec.process.cwd);
  become_user(spec.process.user);
}

// Blocks until `start` writes its byte. The fifo was opened read-write, so the open did not block
// and the read waits for data rather than for a writer.
void wait_for_start(const Fd& fifo) {
  char byte = 0;
  while (::read(fifo.get(), &byte, 1) == -1) {
    if (errno != EINTR) ::_exit(1);
  }
}

[[noreturn]] void run_init(const InitPlan& plan, const std::vector<HierarchyView>& cgroups, Channel& channel) {
  Fd fifo;
  try {
    check(::setsid(), "setsid");
    fifo = Fd(static_cast<int>(check(::open(plan.fifo.c_str(), O_RDWR | O_CLOEXEC), "open", plan.fifo)));
    set_up_container(plan, cgroups);
    channel.send("ready");
  } catch (const std::exception& e) {
    channel.fail(e.what());
  }
  wait_for_start(fifo);
  fifo.reset();
  reset_signals();
  close_inherited_fds(plan.preserve_fds);
  const auto& args = plan.spec.process.args;
  int status = 1;
  try {
    status = exec_process(plan.spec.process);
    log_error(plan.verb, "exec \"" + args.front() + "\": " + std::strerror(errno));
  } catch (const std::exception& e) {
    log_error(plan.verb, e.what());
  }
  ::_exit(status);
}

}  // namespace

void run_setup_stage(const InitPlan& plan, Channel& channel) {
  channel.become_child();
  try {
    // If minirun dies while setting up, so does the setup.
    check(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    plan.cgroup->add(::getpid());
    // Read while this process still sees the host's cgroup paths (a cgroup namespace hides them).
    auto cgroups = own_v1_hierarchies();
    enter_namespaces(plan.spec.namespaces);
    pid_t init = static_cast<pid_t>(check(::fork(), "fork"));
    if (init == 0) run_init(plan, cgroups, channel);
    channel.send("pid " + std::to_string(init));
  } catch (const std::exception& e) {
    channel.fail(e.what());
  }
  ::_exit(0);
}

}  // namespace minirun
