// A process minirun waits for in the foreground (`run`, `exec`): signals sent to minirun (Ctrl-C,
// `kill`) are passed on to it, and its end becomes minirun's exit status.
#pragma once

#include <sys/types.h>

namespace minirun {

class SignalForwarder {
 public:
  // With target 0 the signals are caught and dropped: minirun must not die half way through
  // setting a container up, which would leave it behind.
  explicit SignalForwarder(pid_t target);
  void retarget(pid_t target);
  ~SignalForwarder();  // back to the default dispositions
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;
};

// Waits for a child: its exit status, or 128+N when signal N killed it (as a shell reports it).
int wait_for_exit(pid_t child);

}  // namespace minirun
