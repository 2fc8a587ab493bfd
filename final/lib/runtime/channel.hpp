// How the processes minirun forks talk back to it: a pipe carrying short text messages, one per
// write (shorter than PIPE_BUF, so never interleaved):
//   "pid N"        the host PID of the process that will run the container's program
//   "ready"        the init is set up and waits for `start`
//   "error TEXT"   setup failed; TEXT is the one-line error
//   "hooks"        the init waits for minirun to run the prestart and createRuntime hooks
// and a second pipe the other way, for minirun's answers: to "hooks" the container's state, to
// "ready" "kept" once the container is recorded (an init that reads end-of-file instead exits:
// the minirun that made it died before recording it).
// The child's end is close-on-exec: reading end-of-file after "pid" means the program was exec'd.
#pragma once

#include "base/fd.hpp"

#include <sys/types.h>

#include <string>

namespace minirun {

class Channel {
 public:
  Channel();  // the pipe

  // In the child: keep the writing end only.
  void become_child();
  void send(const std::string& message) const;
  std::string wait_reply();  // one line from the parent
  [[noreturn]] void fail(const std::string& error) const;  // sends "error ...", _exit(1)

  // In the parent: keep the reading end only.
  void become_parent();
  pid_t receive_pid();    // throws Error with the child's message if it sent an error instead
  // Returns once "ready" (or `expected`) arrives; throws Error with the child's message, or when
  // it died.
  void wait_ready() { wait_for("ready"); }
  void wait_for(const std::string& expected);
  void reply(const std::string& line) const;  // an Error (EPIPE) when the child is gone
  // Returns once the channel closes (exec happened); throws the child's error if one arrives.
  void wait_exec();

 private:
  std::string receive();  // one line from the child; "" on end of file
  static std::string read_line(const Fd& fd, std::string& buffer);
  Fd read_, write_;              // child -> parent
  Fd reply_read_, reply_write_;  // parent -> child
  std::string buffer_, reply_buffer_;
};

}  // namespace minirun
