#include "runtime/exec.hpp"

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/log.hpp"
#include "kernel/cgroups.hpp"
#include "kernel/console.hpp"
#include "kernel/foreground.hpp"
#include "kernel/namespaces.hpp"
#include "kernel/process.hpp"
#include "runtime/launch.hpp"
#include "state/seccomp_cache.hpp"
#include "spec/spec.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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
  return process;
}

struct Target {
  const Cgroup& cgroup;
  std::vector<OpenNamespace> namespaces;
  Fd root_dir;  // the init's root: after pivot_root the namespace's root, after chroot the chroot
  Process process;
  std::optional<SeccompProgram> seccomp;  // the container's: exec'd processes get the same filter
  Fd console;                             // with a terminal: connected to --console-socket
};

// In the stage: join every namespace of the init, then its root.
void enter_container(const Target& target) {
  join(target.namespaces);
  check(::fchdir(target.root_dir.get()), "fchdir", "container root");
  check(::chroot("."), "chroot", "container root");
}

// In the exec'd process, inside every namespace: become the user and run the program.
[[noreturn]] void run_program(const Target& target, const Channel& channel) {
  try {
    check(::setsid(), "setsid");
    if (target.console.valid()) set_up_console(target.console, target.process);
    apply_limits(target.process);
    int status = exec_program(target.process, target.seccomp ? &*target.seccomp : nullptr, 0);
    channel.send("error exec \"" + target.process.args.front() + "\": " + std::strerror(errno));
    ::_exit(status);
  } catch (const std::exception& e) {
    channel.fail(e.what());
  }
}

struct Launched {
  pid_t pid = 0;
  bool exec_failed = false;  // then `status` is how its process exited
  int status = 0;
};

Launched launch_program(const Target& target) {
  Channel channel;
  LaunchPlan plan{&target.cgroup, [&](Channel&) { enter_container(target); },
                  [&](Channel& c) { run_program(target, c); }, nullptr};
  pid_t child = launch(plan, channel);
  try {
    channel.wait_exec();
  } catch (const Error& e) {
    int status = wait_for_exit(child);
    log_error(e.what());
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
  Fd console = open_console_socket(process.terminal, options.console_socket);
  std::optional<SeccompProgram> seccomp;
  if (container.seccomp) seccomp = seccomp_program(root, *container.seccomp);
  Target target{*cgroup, open_namespaces_of(record.pid),
                Fd(static_cast<int>(check(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", root_path))),
                std::move(process), std::move(seccomp), std::move(console)};
  std::optional<SignalForwarder> forwarder;  // caught from the start: see run_container
  if (!options.detach) forwarder.emplace(0);
  Launched launched = launch_program(target);
  if (launched.exec_failed) return launched.status;
  if (!options.pid_file.empty()) write_file(options.pid_file, std::to_string(launched.pid));
  if (options.detach) return 0;
  forwarder->retarget(launched.pid);
  return wait_for_exit(launched.pid);
}

}  // namespace minirun
