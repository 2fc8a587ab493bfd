#include "runtime/launch.hpp"

#include "base/error.hpp"
#include "kernel/process.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace minirun {

namespace {

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
  }
}

[[noreturn]] void run_stage(const LaunchPlan& plan, bool in_cgroup, Channel& channel) {
  channel.become_child();
  try {
    // If minirun dies while setting up, so does the setup.
    check(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    if (!in_cgroup) plan.cgroup->add(::getpid());
    plan.enter(channel);
    pid_t child = static_cast<pid_t>(check(::fork(), "fork"));
    if (child == 0) {
      plan.run_child(channel);
      ::_exit(1);
    }
    channel.send("pid " + std::to_string(child));
  } catch (const std::exception& e) {
    channel.fail(e.what());
  }
  ::_exit(0);
}

}  // namespace

pid_t launch(const LaunchPlan& plan, Channel& channel) {
  // Orphans below us (the child, once the stage exits) become our children, not init(1)'s.
  check(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)");
  auto [stage, in_cgroup] = plan.cgroup->fork_into();
  if (stage == 0) run_stage(plan, in_cgroup, channel);
  channel.become_parent();
  pid_t child = 0;
  try {
    if (plan.while_entering) plan.while_entering(stage, channel);
    child = channel.receive_pid();
  } catch (...) {
    reap(stage);
    throw;
  }
  reap(stage);
  return child;
}

int exec_program(const Process& process, const SeccompProgram* seccomp, int preserve_fds) {
  reset_signals();
  close_inherited_fds(preserve_fds);
  drop_privileges(process, seccomp);
  return exec_process(process);
}

}  // namespace minirun
