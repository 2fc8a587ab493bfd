// One clone() call, several namespaces.
//
// clone() creates the child directly inside the namespaces named by its CLONE_NEW* flags:
// PID, UTS (hostname), IPC, network and mount by default; user and cgroup on request.
// The parent and the child talk over a pipe: the child waits until the parent has finished
// its side of the setup (the uid/gid maps of a user namespace) before it runs the command.
//
// Usage: [OPTIONS] [--] [COMMAND [ARG...]]                             (COMMAND defaults to /bin/sh)
// Messages, errors, exit statuses and the command line are in ../steps/step.hpp.

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

struct Options {
  std::vector<std::string> command{"/bin/sh"};
  std::string hostname = kStep;
  int namespaces = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWNS;
};

std::string describe(int namespaces) {
  std::vector<std::string> names;
  for (const auto& [name, flag] : kNamespaceFlags) {
    if (namespaces & flag) names.push_back(name);
  }
  return join(names, ",");
}

// Blocks until the parent has finished its side; EOF without the go byte means the parent gave up.
void wait_for_parent(int sync_fd) {
  char go = 0;
  ssize_t n = read(sync_fd, &go, 1);
  close(sync_fd);
  if (n != 1) throw std::runtime_error("the parent gave up before the container could start");
}

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

struct ChildArgs {
  const Options* options;
  int sync_fd;  // the read end of the pipe to the parent
};

// The child's side of clone(): it starts inside the new namespaces, on its own stack.
int container_main(void* arg) {
  const auto& child = *static_cast<ChildArgs*>(arg);
  const Options& options = *child.options;
  try {
    // If this program dies, its container must not outlive it.
    check(prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    wait_for_parent(child.sync_fd);
    if (options.namespaces & CLONE_NEWUTS) set_hostname(options.hostname);
    exec_command(options.command);
  } catch (const std::exception& e) {
    print_error(e.what());
  }
  return kExitStepFailed;
}

pid_t start_container(const Options& options) {
  // clone() runs the child on a stack we provide (stacks grow down: pass its top).
  // clone3() would allocate none of this, but glibc has no wrapper for it yet.
  static constexpr size_t kStackSize = 1024 * 1024;
  alignas(16) static char stack[kStackSize];
  int sync[2];
  check(pipe2(sync, O_CLOEXEC), "pipe2");
  ChildArgs args{&options, sync[0]};
  int clone_flags = options.namespaces;
  pid_t child = clone(container_main, stack + kStackSize, clone_flags | SIGCHLD, &args);
  int clone_errno = errno;
  close(sync[0]);
  if (child == -1) {
    close(sync[1]);
    errno = clone_errno;
    throw StepError("clone(" + describe(clone_flags) + ")");
  }
  say("clone(", describe(clone_flags), "): the container is PID ", child, " on the host");
  try {
    if (options.namespaces & CLONE_NEWUSER) write_id_maps(child);
  } catch (...) {
    close(sync[1]);  // the child reads EOF and gives up
    waitpid(child, nullptr, 0);
    throw;
  }
  check(write(sync[1], "1", 1), "write to the container's sync pipe");
  close(sync[1]);
  return child;
}

int run(const Options& options) {
  pid_t child = start_container(options);
  return wait_for(child);
}

CLI::Validator known_namespace() {
  return valid("NS", [](const std::string& name) {
    return kNamespaceFlags.contains(name) ? "" : "unknown namespace '" + name + "' (pid,uts,ipc,net,mnt,user,cgroup)";
  });
}

// The options of the step; CLI11 rejects a bad value before anything is created.
void add_options(CLI::App& app, Options& options) {
  app.add_option("--hostname", options.hostname, "Hostname inside the new UTS namespace")->check(valid_hostname());
  auto set_namespaces = [&options](const std::vector<std::string>& names) {
    options.namespaces = 0;
    for (const auto& name : names) options.namespaces |= kNamespaceFlags.at(name);
  };
  app.add_option_function<std::vector<std::string>>("--ns", set_namespaces, "Namespaces to create (default pid,uts,ipc,net,mnt)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(known_namespace());
}

// What the options mean together; "" when they make sense.
std::string finish_options(const CLI::App& app, Options& options) {
  if (app.count("--hostname") && !(options.namespaces & CLONE_NEWUTS)) {
    return "--hostname needs a new UTS namespace (add uts to --ns)";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run COMMAND in new namespaces made by one clone() call.", kProgram};
  Options options;
  add_options(app, options);
  if (auto status = parse_command_line(app, argc, argv, options.command)) return *status;
  if (auto problem = finish_options(app, options); !problem.empty()) return usage_error(problem);
  return run_step([&] { return run(options); });
}
