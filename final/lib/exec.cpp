#include "exec.hpp"

#include "cgroups.hpp"
#include "channel.hpp"
#include "console.hpp"
#include "error.hpp"
#include "files.hpp"
#include "foreground.hpp"
#include "log.hpp"
#include "namespaces.hpp"
#include "process.hpp"
#include "spec.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>

namespace minirun {

namespace {

Process process_for(const ExecOptions& options, const Spec& container) {
  Process process;
  if (!options.process_file.empty()) {
    process = load_process(options.process_file);
  } else {
    if (options.args.empty()) throw Error("no command given: use --process FILE or -- COMMAND...");
    process = container.process;  // its env, cwd, user, capabilities
    process.args = options.args;
    process.terminal = false;
  }
  process.terminal = process.terminal || options.tty;
  if (process.terminal && options.console_socket.empty()) throw Error("a terminal needs --console-socket");
  if (!process.terminal && !options.console_socket.empty()) throw Error("--console-socket given without a terminal");
  return process;
}

struct Target {
  const Cgroup& cgroup;
  std::vector<OpenNamespace> namespaces;
  Fd root_dir;  // the init's root: after pivot_root the namespace's root, after chroot the chroot
  Process process;
  std::string seccomp;  // the container's linux.seccomp: exec'd processes get the same filter
  Fd console;           // with a terminal: connected to --console-socket
};

// In the exec'd process, inside every namespace: become the user and run the program.
[[noreturn]] void run_program(const Target& target, const Channel& channel) {
  try {
    check(::setsid(), "setsid");
    if (target.console.valid()) set_up_console(target.console, target.process);
    apply_limits(target.process);
    std::optional<SeccompFilter> seccomp;
    if (!target.seccomp.empty()) seccomp.emplace(parse_seccomp(target.seccomp));
    reset_signals();
    close_inherited_fds(0);
    drop_privileges(target.process, seccomp ? &*seccomp : nullptr);
    int status = exec_process(target.process);
    channel.send("error exec \"" + target.process.args.front() + "\": " + std::strerror(errno));
    ::_exit(status);
  } catch (const std::exception& e) {
    channel.fail(e.what());
  }
}

// In the forked stage: join, then fork, since the PID namespace only applies to children.
[[noreturn]] void enter_container(const Target& target, Channel& channel) {
  channel.become_child();
  try {
    check(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    target.cgroup.add(::getpid());
    join(target.namespaces);
    check(::fchdir(target.root_dir.get()), "fchdir", "container root");
    check(::chroot("."), "chroot", "container root");
    pid_t child = static_cast<pid_t>(check(::fork(), "fork"));
    if (child == 0) run_program(target, channel);
    channel.send("pid " + std::to_string(child));
  } catch (const std::exception& e) {
    channel.fail(e.what());
  }
  ::_exit(0);
}

struct Launched {
  pid_t pid = 0;
  bool exec_failed = false;  // then `status` is how its process exited
  int status = 0;
};

Launched launch(const Target& target) {
  check(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)");
  Channel channel;
  pid_t stage = static_cast<pid_t>(check(::fork(), "fork"));
  if (stage == 0) enter_container(target, channel);
  channel.become_parent();
  pid_t child = 0;
  try {
    child = channel.receive_pid();
  } catch (...) {
    wait_for_exit(stage);
    throw;
  }
  wait_for_exit(stage);
  try {
    channel.wait_exec();
  } catch (const Error& e) {
    int status = wait_for_exit(child);
    log_error("exec", e.what());
    return {child, true, status};
  }
  return {child, false, 0};
}

}  // namespace

int exec_in_container(const StateRoot& root, const ExecOptions& options) {
  Record record = root.load(options.id);
  Status status = root.status(record);
  if (status == Status::stopped || status == Status::creating) {
    throw Error("cannot exec in a " + to_string(status) + " container");
  }
  auto cgroup = Cgroup::open(record.cgroup);
  std::string root_path = "/proc/" + std::to_string(record.pid) + "/root";
  Spec container = load_spec(root.config_of(options.id));
  Process process = process_for(options, container);
  Fd console = process.terminal ? connect_console_socket(options.console_socket) : Fd();
  Target target{*cgroup, open_namespaces_of(record.pid),
                Fd(static_cast<int>(check(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", root_path))),
                std::move(process), container.seccomp, std::move(console)};
  std::optional<SignalForwarder> forwarder;  // caught from the start: see run_container
  if (!options.detach) forwarder.emplace(0);
  Launched launched = launch(target);
  if (launched.exec_failed) return launched.status;
  if (!options.pid_file.empty()) write_file(options.pid_file, std::to_string(launched.pid));
  if (options.detach) return 0;
  forwarder->retarget(launched.pid);
  return wait_for_exit(launched.pid);
}

}  // namespace minirun
