#include "channel.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace minirun {

Channel::Channel() {
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC), "pipe2");
  read_ = Fd(fds[0]);
  write_ = Fd(fds[1]);
}

void Channel::become_child() { read_.reset(); }

void Channel::send(const std::string& message) const {
  std::string line = message + "\n";
  if (::write(write_.get(), line.data(), line.size()) == -1) ::_exit(1);
}

void Channel::fail(const std::string& error) const {
  send("error " + error);
  ::_exit(1);
}

void Channel::become_parent() { write_.reset(); }

std::string Channel::receive() {
  while (buffer_.find('\n') == std::string::npos) {
    char chunk[512];
    ssize_t n = ::read(read_.get(), chunk, sizeof chunk);
    if (n == -1 && errno == EINTR) continue;
    check(n, "read", "setup channel");
    if (n == 0) return "";
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  std::string message = buffer_.substr(0, buffer_.find('\n'));
  buffer_.erase(0, message.size() + 1);
  return message;
}

namespace {

void throw_if_error(const std::string& message) {
  if (message.starts_with("error ")) throw Error(message.substr(6));
}

}  // namespace

pid_t Channel::receive_pid() {
  std::string message = receive();
  throw_if_error(message);
  if (!message.starts_with("pid ")) throw Error("container setup ended before it started a process");
  return static_cast<pid_t>(std::stol(message.substr(4)));
}

void Channel::wait_ready() {
  std::string message = receive();
  throw_if_error(message);
  if (message != "ready") throw Error("container init exited during setup");
}

void Channel::wait_exec() { throw_if_error(receive()); }

}  // namespace minirun
