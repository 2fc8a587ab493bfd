#include "process.hpp"

#include "error.hpp"

#include <grp.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>

namespace minirun {

void become_user(const User& user) {
  std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
  check(::setgroups(groups.size(), groups.data()), "setgroups");
  check(::setgid(user.gid), "setgid", std::to_string(user.gid));
  check(::setuid(user.uid), "setuid", std::to_string(user.uid));
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
