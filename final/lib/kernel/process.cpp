#include "kernel/process.hpp"

#include "base/error.hpp"
#include "base/files.hpp"
#include "kernel/capabilities.hpp"
#include "spec/linux_names.hpp"

#include <grp.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>

namespace minirun {

namespace {

void set_oom_score_adj(int value) { write_kernel_file("/proc/self/oom_score_adj", std::to_string(value)); }

// setgroups, then setgid, then setuid: once the uid is not 0 the others are no longer allowed.
void become_user(const User& user) {
  std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
  check(::setgroups(groups.size(), groups.data()), "setgroups");
  check(::setgid(user.gid), "setgid", std::to_string(user.gid));
  check(::setuid(user.uid), "setuid", std::to_string(user.uid));
  if (user.umask) ::umask(static_cast<mode_t>(*user.umask));  // umask cannot fail
}

}  // namespace

void apply_limits(const Process& process) {
  for (const auto& limit : process.rlimits) {
    rlimit value{limit.soft, limit.hard};
    check(::setrlimit(static_cast<__rlimit_resource>(rlimit_resource(limit.type)), &value), "setrlimit", limit.type);
  }
  if (process.oom_score_adj) set_oom_score_adj(*process.oom_score_adj);
}

void drop_privileges(const Process& process, const SeccompProgram* seccomp) {
  if (process.no_new_privileges) check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
  if (seccomp && !process.no_new_privileges) load_seccomp(*seccomp);
  if (process.capabilities) limit_bounding_set(*process.capabilities);
  become_user(process.user);
  if (process.capabilities) apply_capabilities(*process.capabilities);
  if (seccomp && process.no_new_privileges) load_seccomp(*seccomp);  // as late as possible: fewer calls to allow
}

void reset_signals() {
  for (int signal = 1; signal < NSIG; ++signal) ::signal(signal, SIG_DFL);  // fails harmlessly for KILL/STOP
  sigset_t none;
  sigemptyset(&none);
  check(::sigprocmask(SIG_SETMASK, &none, nullptr), "sigprocmask");
}

void close_inherited_fds(int preserve) {
  auto first = static_cast<unsigned>(3 + preserve);
  check(::close_range(first, ~0U, CLOSE_RANGE_CLOEXEC), "close_range");
}

int exec_process(const Process& process) {
  check(::chdir(process.cwd.c_str()), "chdir", process.cwd);
  check(::clearenv(), "clearenv");
  for (const auto& variable : process.env) {
    auto equals = variable.find('=');
    if (equals == std::string::npos) continue;
    ::setenv(variable.substr(0, equals).c_str(), variable.substr(equals + 1).c_str(), 1);
  }
  std::vector<char*> argv;
  for (const auto& arg : process.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());  // PATH from the environment just set
  return errno == ENOENT ? 127 : 126;
}

}  // namespace minirun
