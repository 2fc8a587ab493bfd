// How the processes minirun forks talk back to it: a pipe carrying short text messages, one per
// write (shorter than PIPE_BUF, so never interleaved):
//   "pid N"        the host PID of the process that will run the container's program
//   "ready"        the init is set up and waits for `start`
//   "error TEXT"   setup failed; TEXT is the one-line error
// The child's end is close-on-exec: reading end-of-file after "pid" means the program was exec'd.
#pragma once

#include "fd.hpp"

#include <sys/types.h>

#include <string>

namespace minirun {

class Channel {
 public:
  Channel();  // the pipe

  // In the child: keep the writing end only.
  void become_child();
  void send(const std::string& message) const;
  [[noreturn]] void fail(const std::string& error) const;  // sends "error ...", _exit(1)

  // In the parent: keep the reading end only.
  void become_parent();
  std::string receive();  // "" on end of file
  pid_t receive_pid();    // throws Error with the child's message if it sent an error instead
  // Returns once "ready" arrives; throws Error with the child's message, or when it died.
  void wait_ready();
  // Returns once the channel closes (exec happened); throws the child's error if one arrives.
  void wait_exec();

 private:
  Fd read_, write_;
  std::string buffer_;
};

}  // namespace minirun
