// The container side of `create`: the code that runs in the processes minirun forks.
//
//   minirun ──fork──> setup stage ──fork──> init (PID 1 of the new PID namespace)
//                     joins the cgroup,     mounts the root file system, pivot_root,
//                     enters namespaces,    hostname, user; sends "ready", then blocks
//                     reports init's pid,   on the exec fifo until `start`, then execs
//                     exits                 process.args
//
// The stage exists because a new PID namespace applies only to children: the init must be forked
// after unshare(CLONE_NEWPID). minirun is a child subreaper, so the init becomes its child when
// the stage exits (which `run` needs to wait for it).
#pragma once

#include "cgroups.hpp"
#include "channel.hpp"
#include "rootfs.hpp"
#include "spec.hpp"

#include <string>

namespace minirun {

struct InitPlan {
  Spec spec;
  RootfsPlan rootfs;
  std::string fifo;     // the exec fifo: `start` writes one byte to it
  bool no_pivot = false;
  int preserve_fds = 0;
  int console_socket = -1;  // process.terminal: connected to --console-socket (console.hpp)
  std::string verb;     // for the error line if exec fails after start
  const Cgroup* cgroup = nullptr;
};

[[noreturn]] void run_setup_stage(const InitPlan& plan, Channel& channel);

}  // namespace minirun
