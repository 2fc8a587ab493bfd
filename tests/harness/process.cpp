#include "process.hpp"

#include "procfs.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace harness {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

struct Pipe {
  int read = -1, write = -1;
};

Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) == -1) throw_errno("pipe2");
  return {fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd != -1) close(fd);
  fd = -1;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so call the system call directly.
int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int shell_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

// In the new child: own process group, the pipes as stdin/stdout/stderr, then exec.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const Child::Environment& environment,
                             const Pipe& in, const Pipe& out, const Pipe& err) {
  setpgid(0, 0);
  for (const auto& [name, value] : environment) setenv(name.c_str(), value.c_str(), 1);
  signal(SIGPIPE, SIG_DFL);
  if (dup2(in.read, STDIN_FILENO) == -1 || dup2(out.write, STDOUT_FILENO) == -1 ||
      dup2(err.write, STDERR_FILENO) == -1) {
    _exit(125);
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  int code = errno == ENOENT ? 127 : 126;
  std::string message = "exec " + argv[0] + ": " + std::strerror(errno) + "\n";
  ssize_t ignored = write(STDERR_FILENO, message.data(), message.size());
  (void)ignored;
  _exit(code);
}

}  // namespace

std::string describe(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$*?") == std::string::npos;
    text += plain ? arg : "'" + arg + "'";
  }
  return text;
}

Child Child::spawn(const std::vector<std::string>& argv, const Environment& environment) {
  if (argv.empty()) throw std::invalid_argument("Child::spawn: empty argv");
  signal(SIGPIPE, SIG_IGN);  // a child that closed its stdin must not kill the test
  Child child(argv);
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  pid_t pid = fork();
  if (pid == -1) throw_errno("fork");
  if (pid == 0) exec_child(argv, environment, in, out, err);
  setpgid(pid, pid);  // also from here, so the group exists before anyone signals it
  close(in.read);
  close(out.write);
  close(err.write);
  child.pid_ = pid;
  child.in_ = in.write;
  child.out_ = out.read;
  child.err_ = err.read;
  return child;
}

Child::Child(Child&& other) noexcept
    : argv_(std::move(other.argv_)),
      pid_(other.pid_),
      in_(other.in_),
      out_(other.out_),
      err_(other.err_),
      out_buffer_(std::move(other.out_buffer_)),
      err_buffer_(std::move(other.err_buffer_)),
      out_consumed_(other.out_consumed_),
      status_(other.status_) {
  other.pid_ = -1;
  other.in_ = other.out_ = other.err_ = -1;
}

Child::~Child() {
  if (pid_ > 0 && !status_) kill_all();
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
}

void Child::kill_all() {
  // The group first, then whatever left the group (a container init may start a new session).
  auto below = descendants_of(pid_);
  kill(-pid_, SIGKILL);
  kill_and_reap(below);
  int wait_status = 0;
  while (waitpid(pid_, &wait_status, 0) == -1 && errno == EINTR) {
  }
  status_ = shell_status(wait_status);
}

void Child::time_out(Seconds timeout, const std::string& waiting_for) {
  kill_all();
  FAIL("timed out after " << timeout.count() << " s waiting for " << waiting_for << " of: " << describe(argv_)
                          << "\nstdout so far:\n" << out_buffer_ << "\nstderr so far:\n" << err_buffer_);
  throw std::logic_error("unreachable");
}

bool Child::pump(Clock::time_point deadline, bool until_line) {
  while (out_ != -1 || err_ != -1) {
    if (until_line && out_buffer_.find('\n', out_consumed_) != std::string::npos) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    int ready = poll(fds, 2, static_cast<int>(left.count()));
    if (ready == -1) {
      if (errno == EINTR) continue;
      throw_errno("poll");
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      int& fd = i == 0 ? out_ : err_;
      std::string& buffer = i == 0 ? out_buffer_ : err_buffer_;
      char chunk[4096];
      ssize_t n = read(fd, chunk, sizeof chunk);
      if (n > 0) {
        buffer.append(chunk, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_fd(fd);  // end of file (or a broken pipe): nothing more will come
      }
    }
  }
  return true;
}

std::string Child::read_line(Seconds timeout) {
  if (!pump(Clock::now() + timeout, true)) time_out(timeout, "a line on stdout");
  auto end = out_buffer_.find('\n', out_consumed_);
  if (end == std::string::npos) {
    FAIL("stdout of " << describe(argv_) << " ended before a whole line; stdout: " << out_buffer_
                      << "\nstderr: " << err_buffer_);
  }
  std::string line = out_buffer_.substr(out_consumed_, end - out_consumed_);
  out_consumed_ = end + 1;
  return line;
}

void Child::write_stdin(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(in_, text.data() + done, text.size() - done);
    if (n == -1) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return;  // it does not read its input; that is its business
      throw_errno("write to stdin of " + describe(argv_));
    }
    done += static_cast<size_t>(n);
  }
}

void Child::close_stdin() { close_fd(in_); }

Result Child::wait(Seconds timeout) {
  auto deadline = Clock::now() + timeout;
  close_stdin();
  if (!pump(deadline, false)) time_out(timeout, "the end of its output");
  // Output is closed; the process itself may still be finishing (removing its cgroup, say).
  // A pidfd becomes readable when the process exits, so poll() can wait with the deadline.
  int pidfd = pidfd_open(pid_);
  if (pidfd == -1) throw_errno("pidfd_open " + std::to_string(pid_));
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd exited{pidfd, POLLIN, 0};
    int ready = left.count() > 0 ? poll(&exited, 1, static_cast<int>(left.count())) : 0;
    if (ready == -1 && errno == EINTR) continue;
    if (ready == -1) throw_errno("poll pidfd");
    if (ready == 0) {
      close(pidfd);
      time_out(timeout, "its exit");
    }
    break;
  }
  close(pidfd);
  int wait_status = 0;
  while (waitpid(pid_, &wait_status, 0) == -1) {
    if (errno != EINTR) throw_errno("waitpid " + std::to_string(pid_));
  }
  status_ = shell_status(wait_status);
  return Result{out_buffer_, err_buffer_, *status_};
}

Result run(const std::vector<std::string>& argv, Seconds timeout, const std::optional<std::string>& input,
           const Child::Environment& environment) {
  Child child = Child::spawn(argv, environment);
  if (input) child.write_stdin(*input);
  return child.wait(timeout);
}

}  // namespace harness
