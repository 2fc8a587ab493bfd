// The seccomp programs minirun compiled, kept under the state root (in .seccomp/, root's alone and
// never mounted into a container) by the digest of all that went into them: the profile,
// libseccomp's version, the kernel's release (libseccomp asks the kernel which actions it has) and
// minirun's own build id. The next container with the same profile loads the program without
// compiling it: libseccomp takes most of a millisecond of CPU for runc's default profile. Written
// atomically; a file that does not hold the program its own digest names is compiled again.
#pragma once

#include "kernel/seccomp_filter.hpp"
#include "state/state.hpp"

namespace minirun {

SeccompProgram seccomp_program(const StateRoot& root, const SeccompProfile& profile);

// Where the program of `profile` is kept under `root` (for the tests).
std::string seccomp_cache_file(const StateRoot& root, const SeccompProfile& profile);

}  // namespace minirun
