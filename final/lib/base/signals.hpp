// Signal names as `kill` and runc accept them ("TERM", "SIGTERM", "term" or "15"), and SIGPIPE
// held off while minirun writes into a pipe whose reader may be gone.
#pragma once

#include <string>

namespace minirun {

int parse_signal(const std::string& text);

// While it lives, SIGPIPE is ignored: a write to a pipe nobody reads any more fails with EPIPE
// instead of killing minirun half way (before its rollback could run).
class SigpipeIgnored {
 public:
  SigpipeIgnored();
  ~SigpipeIgnored();
  SigpipeIgnored(const SigpipeIgnored&) = delete;
  SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;

 private:
  void (*previous_)(int);
};

}  // namespace minirun
