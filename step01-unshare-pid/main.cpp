// step01-unshare-pid: the smallest container there is.
//
// unshare(CLONE_NEWPID) puts this process's *future children* in a new PID namespace;
// the first child we fork becomes PID 1 there. Nothing else is isolated yet: the child
// still sees the host's /proc, so `ps` lists every process on the machine (step03 fixes that).
//
//   step01-unshare-pid [OPTIONS] [--] [COMMAND [ARG...]]      (COMMAND defaults to /bin/sh)

#include <CLI/CLI.hpp>

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace {

const char* const kStep = "step01";

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

struct Options {
  std::vector<std::string> command{"/bin/sh"};
};

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
  CLI::App app{"Run COMMAND as PID 1 of a new PID namespace: unshare + fork.", "step01-unshare-pid"};
  app.footer("COMMAND [ARG...] follows the options (or --) and defaults to /bin/sh.");
  app.add_flag("-q,--quiet", quiet, "Do not print what the step does");
  app.prefix_command();  // everything from the first non-option on is the command
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    return kExitStepFailed;
  }
  Options options;
  if (!take_command(app.remaining(), options.command)) return kExitStepFailed;
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

[[noreturn]] void run_container(const Options& options) {
  // If this program dies, its container must not outlive it.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1) _exit(kExitStepFailed);
  exec_command(options.command);
}

void enter_new_pid_namespace() {
  // The caller itself stays where it is: a process never changes PID namespace.
  // Only the children it creates from now on are born into the new one.
  check(unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)");
  say("unshare(CLONE_NEWPID): my next child will be PID 1 of a new PID namespace");
}

pid_t start_container(const Options& options) {
  pid_t child = fork();
  check(child, "fork");
  if (child == 0) run_container(options);
  say("fork: the container is PID ", child, " on the host");
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
  enter_new_pid_namespace();
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
