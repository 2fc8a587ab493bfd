// A debug hook for testing what a crash leaves behind. With MINIRUN_FAULT=PHASE in the environment,
// minirun SIGKILLs itself the moment it reaches PHASE, exactly as an out-of-memory kill or a
// `kill -9` would end it: no destructor, no rollback runs. Without the variable it does nothing.
//
// The phases, each named after what has just happened (`run` passes through create's and start's):
//   create:state-dir-made   the container's directory under --root exists, no state.json yet
//   create:state-recorded   the first state.json says who is creating the container, and its cgroup
//   create:cgroup-made      the cgroup exists, with its limits, and is recorded
//   create:init-cloned      the init is forked (its setup is under way) and its PID recorded
//   create:init-ready       the init reported its setup done (mounts made); it waits for minirun
//   create:state-written    the final state.json is written and the init told to wait for start
//   start:fifo-opened       start holds the lock and the exec fifo, the init is not released yet
//   start:init-released     the init was released (it execs the program); the fifo is still there
//   run:waiting             run started the container and is about to wait for it
//   run:exited              the container's program ended; run has not deleted it yet
//   delete:init-killed      delete holds the lock and has SIGKILLed the init
//   delete:cgroup-removed   the cgroup is gone; the state directory is not
//   image:layer-unpacked    a layer's files are all in its hidden directory of the store, which is
//                           not yet renamed into place
//   cgroup:moving-process   a process is about to be moved into a container's cgroup (a stage on
//                           cgroup v1; on v2 none is moved: kernel/cgroups.hpp)
#pragma once

#include <string>

namespace minirun {

void fault_point(const std::string& phase);

}  // namespace minirun
