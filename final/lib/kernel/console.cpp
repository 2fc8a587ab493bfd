#include "kernel/console.hpp"

#include "base/error.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace minirun {

namespace {

struct Pty {
  Fd master, slave;
  std::string name;  // /dev/pts/N
};

Pty open_pty() {
  Pty pty;
  pty.master = Fd(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.master.valid()) throw Error("open", "/dev/ptmx", errno);
  check(::unlockpt(pty.master.get()) == 0 ? 0 : -1, "unlockpt", "/dev/ptmx");
  char name[64];
  int rc = ::ptsname_r(pty.master.get(), name, sizeof name);
  if (rc != 0) throw Error("ptsname", "/dev/ptmx", rc);
  pty.name = name;
  pty.slave = Fd(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.slave.valid()) throw Error("open", pty.name, errno);
  return pty;
}

// One message carrying the terminal's name as data and the master fd as ancillary data.
void send_fd(const Fd& socket, const Fd& fd, const std::string& name) {
  iovec data{const_cast<char*>(name.data()), name.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  int raw = fd.get();
  std::memcpy(CMSG_DATA(header), &raw, sizeof raw);
  check(::sendmsg(socket.get(), &message, 0), "sendmsg", "console socket");
}

void become_terminal_of(const Pty& pty, const Process& process) {
  if (process.console_size) {
    winsize size{process.console_size->height, process.console_size->width, 0, 0};
    check(::ioctl(pty.slave.get(), TIOCSWINSZ, &size), "ioctl(TIOCSWINSZ)", pty.name);
  }
  check(::fchown(pty.slave.get(), process.user.uid, static_cast<gid_t>(-1)), "fchown", pty.name);
  check(::ioctl(pty.slave.get(), TIOCSCTTY, 0), "ioctl(TIOCSCTTY)", pty.name);
  for (int target = 0; target < 3; ++target) check(::dup2(pty.slave.get(), target), "dup2", pty.name);
}

}  // namespace

Fd connect_console_socket(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) throw Error("connect", path, ENAMETOOLONG);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket.valid()) throw Error("socket", path, errno);
  check(::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), "connect", path);
  return socket;
}

void set_up_console(const Fd& socket, const Process& process) {
  Pty pty = open_pty();
  send_fd(socket, pty.master, pty.name);
  become_terminal_of(pty, process);
}

Fd open_console_socket(bool terminal, const std::string& path) {
  if (terminal && path.empty()) {
    throw Error("process.terminal is true: a --console-socket is needed to pass the terminal on");
  }
  if (!terminal && !path.empty()) throw Error("--console-socket given, but process.terminal is false");
  return terminal ? connect_console_socket(path) : Fd();
}

}  // namespace minirun
