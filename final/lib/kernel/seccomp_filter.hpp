// A seccomp profile (spec/seccomp.hpp) turned by libseccomp into the BPF program the kernel runs on
// every system call. Compiled by minirun before the container is made (errors reach `create`, and the
// memory libseccomp takes is not charged to the container), and usually not even then: the program
// is kept by the profile's digest (state/seccomp_cache.hpp). Loaded at the last moment before exec
// (it may forbid calls minirun itself still makes).
#pragma once

#include "spec/seccomp.hpp"

#include <linux/filter.h>

#include <string>
#include <vector>

namespace minirun {

using SeccompProgram = std::vector<sock_filter>;

SeccompProgram compile_seccomp(const SeccompProfile& profile);

// Installs the program on the calling thread: needs no_new_privs set first, or CAP_SYS_ADMIN.
void load_seccomp(const SeccompProgram& program);

// "2.5.4": the libseccomp this build runs with (for `features` and --version).
std::string libseccomp_version();

}  // namespace minirun
