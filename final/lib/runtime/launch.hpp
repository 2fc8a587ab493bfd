// Starting a process inside a container: the one way `create` (its init) and `exec` both use.
//
//   minirun ──fork──> stage ──fork──> child: sets itself up (run_child), then execs the program
//                     joins the cgroup,
//                     enters or joins the namespaces (enter),
//                     reports the child's pid, exits
//
// The stage exists because a new or joined PID namespace applies only to children: the child must
// be forked after unshare/setns(CLONE_NEWPID). minirun is a child subreaper, so the child becomes
// its child when the stage exits (which `run` and `exec` need to wait for it).
#pragma once

#include "kernel/cgroups.hpp"
#include "kernel/seccomp_filter.hpp"
#include "runtime/channel.hpp"
#include "spec/spec.hpp"

#include <sys/types.h>

#include <functional>

namespace minirun {

struct LaunchPlan {
  const Cgroup* cgroup = nullptr;
  std::function<void(Channel&)> enter;      // in the stage, inside the cgroup: namespaces, root
  std::function<void(Channel&)> run_child;  // in the child; ends in exec or _exit
  std::function<void(pid_t stage, Channel&)> while_entering;  // in minirun meanwhile (may be empty)
};

// Forks the stage and returns the child's host PID; the channel stays open to the child.
pid_t launch(const LaunchPlan& plan, Channel& channel);

// The child's last steps: signals back to their defaults, inherited fds closed (all but 0, 1, 2
// and `preserve_fds` more), privileges dropped (kernel/process.hpp), exec. Returns only when exec
// failed, with the exit status a shell would give; errno says why.
int exec_program(const Process& process, const SeccompProgram* seccomp, int preserve_fds);

}  // namespace minirun
