// The smallest container there is.
//
// unshare(CLONE_NEWPID) puts this process's *future children* in a new PID namespace;
// the first child we fork becomes PID 1 there. Nothing else is isolated yet: the child
// still sees the host's /proc, so `ps` lists every process on the machine (step03 fixes that).
//
// Usage: [OPTIONS] [--] [COMMAND [ARG...]]                             (COMMAND defaults to /bin/sh)
// Messages, errors, exit statuses, the options and the command line are in ../steps/step.hpp.

#include "step.hpp"

#include <sched.h>
#include <sys/prctl.h>

using namespace step;

namespace {

void enter_new_pid_namespace() {
  // The caller itself stays where it is: a process never changes PID namespace.
  // Only the children it creates from now on are born into the new one.
  check(unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)");
  say("unshare(CLONE_NEWPID): my next child will be PID 1 of a new PID namespace");
}

// Runs in the child, PID 1 of the new namespace.
[[noreturn]] void run_container(const Options& options) {
  // If this program dies, its container must not outlive it.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1) _exit(kExitStepFailed);
  exec_command(options.command);
}

pid_t start_container(const Options& options) {
  pid_t child = fork();
  check(child, "fork");
  if (child == 0) run_container(options);
  say("fork: the container is PID ", child, " on the host");
  return child;
}

int run(const Options& options) {
  enter_new_pid_namespace();
  pid_t child = start_container(options);
  return wait_for(child);
}

}  // namespace

int main(int argc, char** argv) {
  return run_step(argc, argv, "Run COMMAND as PID 1 of a new PID namespace: unshare + fork.", {}, run);
}
