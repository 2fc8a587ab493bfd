// One clone() call, several namespaces.
//
// clone() creates the child directly inside the namespaces named by its CLONE_NEW* flags:
// PID, UTS (hostname), IPC, network and mount by default; user and cgroup on request.
// The parent and the child talk over a pipe: the child waits until the parent has finished
// its side of the setup (the uid/gid maps of a user namespace) before it runs the command.
//
// Usage: [OPTIONS] [--] [COMMAND [ARG...]]                             (COMMAND defaults to /bin/sh)
// Messages, errors, exit statuses, the options and the command line are in ../steps/step.hpp.

#include "step.hpp"

#include <sched.h>
#include <sys/prctl.h>

using namespace step;

namespace {

// The seven namespaces clone() can create, by the names /proc/PID/ns/ uses.
const std::map<std::string, int> kNamespaceFlags = {
    {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},       {"net", CLONE_NEWNET},
    {"mnt", CLONE_NEWNS},  {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP},
};

// Root inside the user namespace is the invoking user outside. setgroups must be denied
// before an unprivileged process may write gid_map.
void write_id_maps(pid_t child) {
  std::string proc = "/proc/" + std::to_string(child);
  write_file(proc + "/uid_map", "0 " + std::to_string(getuid()) + " 1\n");
  write_file(proc + "/setgroups", "deny");
  write_file(proc + "/gid_map", "0 " + std::to_string(getgid()) + " 1\n");
  say("uid_map/gid_map: root in the container is uid ", getuid(), " gid ", getgid(), " outside");
}

void set_hostname(const std::string& hostname) {
  check(sethostname(hostname.c_str(), hostname.size()), "sethostname " + hostname);
  say("sethostname ", hostname, " (in the new UTS namespace; the host's name is unchanged)");
}

// The child's side of clone(): it starts inside the new namespaces, on its own stack.
int container_main(const Options& options, Gate& gate) {
  return run_step([&]() -> int {
    // If this program dies, its container must not outlive it.
    check(prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    gate.wait();  // until the parent has written the id maps
    if (options.namespaces.contains("uts")) set_hostname(options.hostname);
    exec_command(options.command);
  });
}

pid_t start_container(const Options& options) {
  // clone() runs the child on a stack we provide (stacks grow down: pass its top).
  // clone3() would allocate none of this, but glibc has no wrapper for it yet.
  static constexpr size_t kStackSize = 1024 * 1024;
  alignas(16) static char stack[kStackSize];
  Gate gate;
  std::set<std::string> cloned = options.namespaces;
  int flags = SIGCHLD;  // the signal the parent gets when the child ends
  for (const auto& name : cloned) flags |= kNamespaceFlags.at(name);
  auto child_main = [&] { return container_main(options, gate); };
  pid_t child = clone(call_child<decltype(child_main)>, stack + kStackSize, flags, &child_main);
  check(child, "clone(" + join(cloned, ",") + ")");
  say("clone(", join(cloned, ","), "): the container is PID ", child, " on the host");
  try {
    if (options.namespaces.contains("user")) write_id_maps(child);
  } catch (...) {
    gate.shut();  // the child gives up
    waitpid(child, nullptr, 0);
    throw;
  }
  gate.open();
  return child;
}

int run(const Options& options) {
  pid_t child = start_container(options);
  return wait_for(child);
}

}  // namespace

int main(int argc, char** argv) {
  return run_step(argc, argv, "Run COMMAND in new namespaces made by one clone() call.", {Option::hostname, Option::ns}, run);
}
