// linux.seccomp: the filter the kernel runs on every system call of the container's processes,
// deciding to let it through, fail it with an errno, or kill the caller. Here the profile as the
// spec describes it (a default action, then rules per syscall name, optionally on argument
// values), read with the rest of config.json (schema.hpp) and checked name by name; kernel/seccomp_filter.hpp compiles it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minirun {

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // "SCMP_CMP_EQ", ...
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // "SCMP_ACT_ERRNO", ...
  std::optional<unsigned> errno_ret;
  std::vector<SeccompArg> args;
};

struct SeccompProfile {
  std::string default_action;
  std::optional<unsigned> default_errno_ret;
  std::vector<std::string> architectures;  // "SCMP_ARCH_X86_64", ...
  std::vector<std::string> flags;
  std::vector<SeccompRule> syscalls;
};

// Error naming the field for the first unknown action, operator or architecture, or any flag.
void check_seccomp_names(const SeccompProfile& profile);

// The names a profile may use, in the spec's spelling (also what `features` lists).
const std::vector<std::string>& seccomp_actions();
const std::vector<std::string>& seccomp_operators();
const std::vector<std::string>& seccomp_architectures();

}  // namespace minirun
