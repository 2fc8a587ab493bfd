#include "kernel/hooks.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"
#include "base/signals.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>

namespace minirun {

namespace {

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

[[noreturn]] void exec_hook(const Hook& hook, int state_fd) {
  if (::dup2(state_fd, 0) == -1) ::_exit(127);
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  auto argv = pointers(args);
  auto envp = pointers(hook.env);
  ::execve(hook.path.c_str(), argv.data(), envp.data());
  ::_exit(127);
}

// The state goes through a pipe; a hook that does not read it must not kill us with SIGPIPE.
void write_state(const Fd& pipe, const std::string& state) {
  SigpipeIgnored guard;
  if (::write(pipe.get(), state.data(), state.size()) == -1 && errno != EPIPE) throw Error("write", "hook stdin", errno);
}

// The hook's wait status, or nothing when the deadline passed first (then it has been killed).
std::optional<int> wait_until(pid_t pid, std::optional<int> timeout) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout.value_or(0));
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(pid, &status, timeout ? WNOHANG : 0);
    if (done == pid) return status;
    if (done == -1 && errno != EINTR) throw Error("waitpid", "hook", errno);
    if (timeout && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return std::nullopt;
    }
    if (timeout) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void run_hook(const Hook& hook, const std::string& state, const std::string& phase) {
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC), "pipe2", "hook stdin");
  Fd reader(fds[0]), writer(fds[1]);
  pid_t pid = static_cast<pid_t>(check(::fork(), "fork", hook.path));
  if (pid == 0) exec_hook(hook, reader.get());
  reader.reset();
  write_state(writer, state);
  writer.reset();
  auto status = wait_until(pid, hook.timeout);
  std::string what = phase + " hook " + hook.path;
  if (!status) throw Error(what + ": timed out after " + std::to_string(*hook.timeout) + " s");
  if (WIFSIGNALED(*status)) throw Error(what + ": killed by signal " + std::to_string(WTERMSIG(*status)));
  if (WEXITSTATUS(*status) != 0) throw Error(what + ": exit status " + std::to_string(WEXITSTATUS(*status)));
}

}  // namespace

void run_hooks(const std::vector<Hook>& hooks, const std::string& state, const std::string& phase) {
  for (const auto& hook : hooks) run_hook(hook, state, phase);
}

bool has_create_hooks(const Hooks& hooks) {
  return !hooks.prestart.empty() || !hooks.create_runtime.empty() || !hooks.create_container.empty() ||
         !hooks.start_container.empty();
}

}  // namespace minirun
