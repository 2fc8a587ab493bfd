#include "kernel/foreground.hpp"

#include "base/error.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>

namespace minirun {

namespace {

volatile sig_atomic_t forward_to = 0;

const int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT};

void forward(int signal) {
  if (forward_to > 0) ::kill(forward_to, signal);
}

}  // namespace

SignalForwarder::SignalForwarder(pid_t target) {
  forward_to = target;
  struct sigaction action {};
  action.sa_handler = forward;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int signal : kForwarded) check(::sigaction(signal, &action, nullptr), "sigaction");
}

void SignalForwarder::retarget(pid_t target) { forward_to = target; }

SignalForwarder::~SignalForwarder() {
  for (int signal : kForwarded) ::signal(signal, SIG_DFL);
  forward_to = 0;
}

int wait_for_exit(pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) == -1) {
    if (errno != EINTR) throw Error("waitpid", std::to_string(child), errno);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace minirun
