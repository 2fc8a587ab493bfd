// seccomp: a filter the kernel runs on every system call of the container's processes, deciding
// to let it through, fail it with an errno, or kill the caller. The spec describes the filter
// (linux.seccomp: a default action, then rules per syscall name, optionally on argument values);
// libseccomp turns that into the BPF program the kernel runs.
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

// linux.seccomp as JSON text; Error naming the field for an unknown action, operator or arch.
SeccompProfile parse_seccomp(const std::string& text);

// The filter, compiled while the container is set up (errors reach `create`), loaded at the last
// moment before exec (it may forbid calls minirun itself still makes).
class SeccompFilter {
 public:
  explicit SeccompFilter(const SeccompProfile& profile);
  ~SeccompFilter();
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  void load() const;

 private:
  void* ctx_ = nullptr;  // scmp_filter_ctx
};

// For `features`: what this build can do.
std::vector<std::string> seccomp_actions();
std::vector<std::string> seccomp_operators();
std::vector<std::string> seccomp_architectures();
std::string libseccomp_version();

}  // namespace minirun
