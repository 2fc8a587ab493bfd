#include "runtime/channel.hpp"

#include "base/error.hpp"
#include "base/signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace minirun {

Channel::Channel() {
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC), "pipe2");
  read_ = Fd(fds[0]);
  write_ = Fd(fds[1]);
  check(::pipe2(fds, O_CLOEXEC), "pipe2");
  reply_read_ = Fd(fds[0]);
  reply_write_ = Fd(fds[1]);
}

void Channel::become_child() {
  read_.reset();
  reply_write_.reset();
}

std::string Channel::wait_reply() {
  std::string line = read_line(reply_read_, reply_buffer_);
  if (line.empty()) throw Error("minirun ended while the container was being set up");
  return line;
}

void Channel::reply(const std::string& line) const {
  SigpipeIgnored guard;  // a child that died is an error to report, not minirun's death
  std::string text = line + "\n";
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(reply_write_.get(), text.data() + done, text.size() - done);
    if (n == -1 && errno == EINTR) continue;
    check(n, "write", "setup channel");
    done += static_cast<size_t>(n);
  }
}

void Channel::send(const std::string& message) const {
  std::string line = message + "\n";
  if (::write(write_.get(), line.data(), line.size()) == -1) ::_exit(1);
}

void Channel::fail(const std::string& error) const {
  send("error " + error);
  ::_exit(1);
}

void Channel::become_parent() {
  write_.reset();
  reply_read_.reset();
}

std::string Channel::read_line(const Fd& fd, std::string& buffer) {
  while (buffer.find('\n') == std::string::npos) {
    char chunk[512];
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n == -1 && errno == EINTR) continue;
    check(n, "read", "setup channel");
    if (n == 0) return "";
    buffer.append(chunk, static_cast<size_t>(n));
  }
  std::string message = buffer.substr(0, buffer.find('\n'));
  buffer.erase(0, message.size() + 1);
  return message;
}

std::string Channel::receive() { return read_line(read_, buffer_); }

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

void Channel::wait_for(const std::string& expected) {
  std::string message = receive();
  throw_if_error(message);
  if (message != expected) throw Error("container init exited during setup");
}

void Channel::wait_exec() { throw_if_error(receive()); }

}  // namespace minirun
