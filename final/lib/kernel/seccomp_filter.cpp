#include "kernel/seccomp_filter.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace minirun {

namespace {

// The errno a rule returns when it names none: EPERM, as runc does.
uint32_t action_code(const std::string& name, std::optional<unsigned> errno_ret) {
  uint16_t ret = static_cast<uint16_t>(errno_ret.value_or(EPERM));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  throw Error("invalid field \"linux.seccomp\": unknown action \"" + name + "\"");
}

// seccomp_operators() lists the names in the order of enum scmp_compare, from SCMP_CMP_NE.
scmp_compare operator_code(const std::string& name) {
  const auto& names = seccomp_operators();
  auto found = std::ranges::find(names, name);
  if (found == names.end()) throw Error("invalid field \"linux.seccomp.syscalls[].args[].op\": unknown operator \"" + name + "\"");
  return static_cast<scmp_compare>(SCMP_CMP_NE + (found - names.begin()));
}

// libseccomp's name is the spec's without "SCMP_ARCH_", in lower case: SCMP_ARCH_X86_64 -> x86_64.
uint32_t arch_code(const std::string& name) {
  std::string lib_name = name.substr(std::string("SCMP_ARCH_").size());
  std::ranges::transform(lib_name, lib_name.begin(), [](unsigned char c) { return std::tolower(c); });
  uint32_t arch = ::seccomp_arch_resolve_name(lib_name.c_str());
  if (arch == 0) throw Error("invalid field \"linux.seccomp.architectures\": unknown architecture \"" + name + "\"");
  return arch;
}

void add_rule(scmp_filter_ctx ctx, const SeccompRule& rule, uint32_t default_action) {
  uint32_t action = action_code(rule.action, rule.errno_ret);
  if (action == default_action) return;  // libseccomp refuses a rule that changes nothing
  std::vector<scmp_arg_cmp> args;
  for (const auto& a : rule.args) args.push_back({a.index, operator_code(a.op), a.value, a.value_two});
  for (const auto& name : rule.names) {
    // A syscall this libseccomp or architecture does not know cannot be called either: skipped,
    // as runc and crun do, so that one profile serves several kernels.
    int number = ::seccomp_syscall_resolve_name(name.c_str());
    if (number == __NR_SCMP_ERROR) continue;
    int rc = ::seccomp_rule_add_array(ctx, action, number, static_cast<unsigned>(args.size()), args.data());
    if (rc < 0) throw Error("seccomp_rule_add", name, -rc);
  }
}

// The context libseccomp builds the program in, released with it.
struct Context {
  explicit Context(uint32_t default_action) : ctx(::seccomp_init(default_action)) {
    if (!ctx) throw Error("seccomp_init", "", EINVAL);
  }
  ~Context() { ::seccomp_release(ctx); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  scmp_filter_ctx ctx;
};

// libseccomp writes the program to a file descriptor only: a memfd, read back.
SeccompProgram exported(const Context& context) {
  Fd memory(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  check(memory.get(), "memfd_create", "seccomp-bpf");
  int rc = ::seccomp_export_bpf(context.ctx, memory.get());
  if (rc < 0) throw Error("seccomp_export_bpf", "", -rc);
  off_t size = check(::lseek(memory.get(), 0, SEEK_CUR), "lseek", "seccomp-bpf");
  SeccompProgram program(static_cast<size_t>(size) / sizeof(sock_filter));
  ssize_t got = ::pread(memory.get(), program.data(), program.size() * sizeof(sock_filter), 0);
  if (got != static_cast<ssize_t>(program.size() * sizeof(sock_filter))) throw Error("read", "seccomp-bpf", got == -1 ? errno : EIO);
  return program;
}

}  // namespace

SeccompProgram compile_seccomp(const SeccompProfile& profile) {
  check_seccomp_names(profile);
  uint32_t default_action = action_code(profile.default_action, profile.default_errno_ret);
  Context context(default_action);
  // no_new_privs is the spec's process.noNewPrivileges to decide, not libseccomp's.
  int rc = ::seccomp_attr_set(context.ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) throw Error("seccomp_attr_set", "SCMP_FLTATR_CTL_NNP", -rc);
  for (const auto& arch : profile.architectures) {
    rc = ::seccomp_arch_add(context.ctx, arch_code(arch));
    if (rc < 0 && rc != -EEXIST) throw Error("seccomp_arch_add", arch, -rc);  // EEXIST: the native one
  }
  for (const auto& rule : profile.syscalls) add_rule(context.ctx, rule, default_action);
  return exported(context);
}

void load_seccomp(const SeccompProgram& program) {
  sock_fprog bpf{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
  check(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &bpf), "seccomp", "SECCOMP_SET_MODE_FILTER");
}

std::string libseccomp_version() {
  const scmp_version* v = ::seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

}  // namespace minirun
