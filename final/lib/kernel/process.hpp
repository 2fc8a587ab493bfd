// The last steps before the container's program runs: who it runs as (uid, gid, supplementary
// groups), its environment and working directory, and exec itself.
#pragma once

#include "kernel/seccomp_filter.hpp"
#include "spec/spec.hpp"

namespace minirun {

// process.rlimits and process.oomScoreAdj, set while still root (raising a hard limit or lowering
// the OOM score needs CAP_SYS_RESOURCE).
void apply_limits(const Process& process);

// The last steps before exec, in the order the kernel's rules impose: no_new_privs, the seccomp
// filter (without no_new_privs loading it needs CAP_SYS_ADMIN, so before capabilities go), the
// bounding set, the user (keeping capabilities across setuid), then the other capability sets. `seccomp` may be null.
void drop_privileges(const Process& process, const SeccompProgram* seccomp);

// Signal dispositions and the mask survive exec; the program must start with the defaults.
void reset_signals();

// Whatever fds minirun's caller left open must not leak into the container: all but 0, 1, 2 and
// the `preserve` after them become close-on-exec.
void close_inherited_fds(int preserve);

// chdir to process.cwd, set the environment, exec process.args (searching PATH). Returns only when
// exec failed, with the exit status a shell would give (127 not found, 126 not executable).
int exec_process(const Process& process);

}  // namespace minirun
