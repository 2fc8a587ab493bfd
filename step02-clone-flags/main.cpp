// step02-clone-flags: one clone() call, several namespaces.
//
// clone() creates the child directly inside the namespaces named by its CLONE_NEW* flags:
// PID, UTS (hostname), IPC, network and mount by default; user and cgroup on request.
// The parent and the child talk over a pipe: the child waits until the parent has finished
// its side of the setup (the uid/gid maps of a user namespace) before it runs the command.
//
//   step02-clone-flags [OPTIONS] [--] [COMMAND [ARG...]]      (COMMAND defaults to /bin/sh)

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace {

const char* const kStep = "step02";

// Exit statuses, as a shell and runc report them.
constexpr int kExitStepFailed = 125;
constexpr int kExitCannotRun = 126;
constexpr int kExitNotFound = 127;

bool quiet = false;

// One line on stderr per action, so the reader sees the mechanism at work. The line is written
// whole, so that a parent's and a child's lines never interleave.
template <typename... Parts>
void say(const Parts&... parts) {
  if (quiet) return;
  std::ostringstream line;
  line << '[' << kStep << "] ";
  (line << ... << parts) << '\n';
  std::cerr << line.str();
}

// A failed system call: what was attempted (call and path) plus errno's message.
struct StepError : std::runtime_error {
  explicit StepError(const std::string& what) : std::runtime_error(what + ": " + std::strerror(errno)) {}
};

void check(long result, const std::string& what) {
  if (result == -1) throw StepError(what);
}

void print_error(const std::string& message) {
  std::cerr << kStep << ": " << message << '\n';
}

void write_file(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  check(fd, "open " + path);
  ssize_t written = write(fd, content.data(), content.size());
  int saved_errno = errno;
  close(fd);
  errno = saved_errno;
  if (written != static_cast<ssize_t>(content.size())) throw StepError("write " + path);
}

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

CLI::Validator known_namespace() {
  return CLI::Validator(
      [](std::string& name) {
        return kNamespaceFlags.contains(name) ? "" : "unknown namespace '" + name + "' (pid,uts,ipc,net,mnt,user,cgroup)";
      },
      "NS");
}

CLI::Validator valid_hostname() {
  return CLI::Validator(
      [](std::string& name) {
        return name.size() > HOST_NAME_MAX ? "hostname longer than " + std::to_string(HOST_NAME_MAX) + " bytes" : "";
      },
      "NAME");
}

// What follows the options is the command: "--" may come first; any other word that starts
// with '-' is an option we do not know. Returns false (after saying why) on a bad option.
bool take_command(std::vector<std::string> rest, std::vector<std::string>& command) {
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().starts_with('-')) {
    print_error("unknown option " + rest.front() + " (see --help)");
    return false;
  }
  if (!rest.empty()) command = rest;
  return true;
}

// Returns the options, or an exit status when there is nothing to run (--help, bad usage).
std::variant<Options, int> parse_options(int argc, char** argv) {
  CLI::App app{"Run COMMAND in new namespaces made by one clone() call.", "step02-clone-flags"};
  app.footer("COMMAND [ARG...] follows the options (or --) and defaults to /bin/sh.");
  Options options;
  std::vector<std::string> namespaces;
  app.add_flag("-q,--quiet", quiet, "Do not print what the step does");
  app.add_option("--hostname", options.hostname, "Hostname inside the new UTS namespace")->check(valid_hostname());
  app.add_option("--ns", namespaces, "Namespaces to create (default pid,uts,ipc,net,mnt)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(known_namespace());
  app.prefix_command();  // everything from the first non-option on is the command
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    return kExitStepFailed;
  }
  if (!take_command(app.remaining(), options.command)) return kExitStepFailed;
  if (!namespaces.empty()) {
    options.namespaces = 0;
    for (const auto& name : namespaces) options.namespaces |= kNamespaceFlags.at(name);
  }
  if (app.count("--hostname") && !(options.namespaces & CLONE_NEWUTS)) {
    print_error("--hostname needs a new UTS namespace (add uts to --ns)");
    return kExitStepFailed;
  }
  return options;
}

// Runs in the child: becomes COMMAND, or exits 126/127 as a shell would.
[[noreturn]] void exec_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  say("exec ", command[0], " as PID ", getpid(), " (its PID inside the new namespace)");
  execvp(argv[0], argv.data());
  int code = errno == ENOENT ? kExitNotFound : kExitCannotRun;
  print_error("execvp " + command[0] + ": " + std::strerror(errno));
  _exit(code);
}

// Blocks until the parent has finished its side; EOF without the go byte means the parent gave up.
void wait_for_parent(int sync_fd) {
  char go = 0;
  ssize_t n = read(sync_fd, &go, 1);
  close(sync_fd);
  if (n != 1) throw std::runtime_error("the parent gave up before the container could start");
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

// Root inside the user namespace is the invoking user outside. setgroups must be denied
// before an unprivileged process may write gid_map.
void write_id_maps(pid_t child) {
  std::string proc = "/proc/" + std::to_string(child);
  write_file(proc + "/uid_map", "0 " + std::to_string(getuid()) + " 1\n");
  write_file(proc + "/setgroups", "deny");
  write_file(proc + "/gid_map", "0 " + std::to_string(getgid()) + " 1\n");
  say("uid_map/gid_map: root in the container is uid ", getuid(), " gid ", getgid(), " outside");
}

std::string describe(int namespaces) {
  std::string names;
  for (const auto& [name, flag] : kNamespaceFlags) {
    if (namespaces & flag) names += (names.empty() ? "" : ",") + name;
  }
  return names;
}

pid_t start_container(const Options& options) {
  // clone() runs the child on a stack we provide (stacks grow down: pass its top).
  // clone3() would allocate none of this, but glibc has no wrapper for it yet.
  static constexpr size_t kStackSize = 1024 * 1024;
  alignas(16) static char stack[kStackSize];
  int sync[2];
  check(pipe2(sync, O_CLOEXEC), "pipe2");
  ChildArgs args{&options, sync[0]};
  pid_t child = clone(container_main, stack + kStackSize, options.namespaces | SIGCHLD, &args);
  int clone_errno = errno;
  close(sync[0]);
  if (child == -1) {
    close(sync[1]);
    errno = clone_errno;
    throw StepError("clone(" + describe(options.namespaces) + ")");
  }
  say("clone(", describe(options.namespaces), "): the container is PID ", child, " on the host");
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

// The container's exit status, the way a shell reports it: N, or 128+N when killed by signal N.
int wait_for(pid_t child) {
  int status = 0;
  while (waitpid(child, &status, 0) == -1) {
    if (errno != EINTR) throw StepError("waitpid");
  }
  if (WIFSIGNALED(status)) {
    say("container killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
    return 128 + WTERMSIG(status);
  }
  say("container exited with status ", WEXITSTATUS(status));
  return WEXITSTATUS(status);
}

int run(const Options& options) {
  pid_t child = start_container(options);
  // Ctrl-C at the terminal reaches the container too; let it decide, and keep waiting for it.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  return wait_for(child);
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (auto* status = std::get_if<int>(&parsed)) return *status;
  try {
    return run(std::get<Options>(parsed));
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitStepFailed;
  }
}
