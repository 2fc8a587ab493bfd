#include "exec.hpp"

#include "cgroups.hpp"
#include "channel.hpp"
#include "error.hpp"
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
#include <fstream>
#include <optional>
#include <sstream>

namespace minirun {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("open", path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Process process_for(const StateRoot& root, const ExecOptions& options) {
  if (!options.process_file.empty()) return parse_process(read_text(options.process_file));
  if (options.args.empty()) throw Error("no command given: use --process FILE or -- COMMAND...");
  Process process = load_spec(root.config_of(options.id)).process;  // its env, cwd and user
  process.args = options.args;
  return process;
}

struct Target {
  const Cgroup& cgroup;
  std::vector<OpenNamespace> namespaces;
  Fd root_dir;  // the init's root: after pivot_root the namespace's root, after chroot the chroot
  Process process;
};

// In the exec'd process, inside every namespace: become the user and run the program.
[[noreturn]] void run_program(const Target& target, const Channel& channel) {
  try {
    check(::setsid(), "setsid");
    become_user(target.process.user);
    reset_signals();
    close_inherited_fds(0);
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
  if (root.status(record) == Status::stopped) throw Error("cannot exec in a stopped container");
  auto cgroup = Cgroup::open(record.cgroup);
  std::string root_path = "/proc/" + std::to_string(record.pid) + "/root";
  Target target{*cgroup, open_namespaces_of(record.pid),
                Fd(static_cast<int>(check(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", root_path))),
                process_for(root, options)};
  std::optional<SignalForwarder> forwarder;  // caught from the start: see run_container
  if (!options.detach) forwarder.emplace(0);
  Launched launched = launch(target);
  if (launched.exec_failed) return launched.status;
  if (!options.pid_file.empty()) std::ofstream(options.pid_file, std::ios::trunc) << launched.pid;
  if (options.detach) return 0;
  forwarder->retarget(launched.pid);
  return wait_for_exit(launched.pid);
}

}  // namespace minirun
