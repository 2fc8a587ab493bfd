#include "spec/seccomp.hpp"

#include "base/error.hpp"

#include <algorithm>

namespace minirun {

namespace {

// In libseccomp's order of enum scmp_compare (kernel/seccomp_filter.cpp counts on it).
const std::vector<std::string> kOperators = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                             "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};

const std::vector<std::string> kArchitectures = {
    "SCMP_ARCH_X86",    "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",      "SCMP_ARCH_ARM",   "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",   "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",  "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",    "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64"};

const std::vector<std::string> kActions = {"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                           "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                                           "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};

void require_known(const std::vector<std::string>& known, const std::string& name, const std::string& field,
                   const std::string& what) {
  if (std::ranges::find(known, name) == known.end()) {
    throw Error("invalid field \"" + field + "\": unknown " + what + " \"" + name + "\"");
  }
}

}  // namespace

// Every name is checked now, so that a wrong profile fails `create`, not the container's exec.
void check_seccomp_names(const SeccompProfile& profile) {
  require_known(kActions, profile.default_action, "linux.seccomp", "action");
  for (const auto& arch : profile.architectures) {
    require_known(kArchitectures, arch, "linux.seccomp.architectures", "architecture");
  }
  if (!profile.flags.empty()) throw Error("unsupported field \"linux.seccomp.flags\"");
  for (const auto& rule : profile.syscalls) {
    require_known(kActions, rule.action, "linux.seccomp", "action");
    for (const auto& arg : rule.args) require_known(kOperators, arg.op, "linux.seccomp.syscalls[].args[].op", "operator");
  }
}

const std::vector<std::string>& seccomp_actions() { return kActions; }
const std::vector<std::string>& seccomp_operators() { return kOperators; }
const std::vector<std::string>& seccomp_architectures() { return kArchitectures; }

}  // namespace minirun
