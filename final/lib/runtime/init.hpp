// The container side of `create`: what the stage and the init do once launch.hpp forked them.
//
//   stage (enter_new_namespaces)          init, PID 1 of the new PID namespace (run_init)
//   reads its cgroup paths, enters the    mounts the root file system, pivot_root, hostname,
//   namespaces, waits for the id maps     user; sends "ready", then blocks on the exec fifo
//                                         until `start`, then execs process.args
#pragma once

#include "kernel/cgroups.hpp"
#include "kernel/rootfs.hpp"
#include "kernel/seccomp_filter.hpp"
#include "runtime/channel.hpp"
#include "spec/spec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace minirun {

struct InitPlan {
  Spec spec;
  RootfsPlan rootfs;
  std::string fifo;     // the exec fifo: `start` writes one byte to it
  bool no_pivot = false;
  int preserve_fds = 0;
  int console_socket = -1;  // process.terminal: connected to --console-socket (console.hpp)
  const Cgroup* cgroup = nullptr;
  std::optional<SeccompProgram> seccomp;  // linux.seccomp, compiled (or found in the cache) by minirun
};

// In the stage: creates and joins the spec's namespaces. Returns where the stage sits in each v1
// hierarchy, read while it still sees the host's cgroup paths (a cgroup namespace hides them).
std::vector<HierarchyView> enter_new_namespaces(const InitPlan& plan, Channel& channel);

[[noreturn]] void run_init(const InitPlan& plan, const std::vector<HierarchyView>& cgroups, Channel& channel);

}  // namespace minirun
