// `exec`: start another process in a running container, the way `docker exec` does: join the
// init's cgroup and every one of its namespaces, take its root, and run the program there.
#pragma once

#include "state/state.hpp"

#include <string>
#include <vector>

namespace minirun {

struct ExecOptions {
  std::string id;
  std::string process_file;       // a JSON `process` object; else the container's, with `args`
  std::vector<std::string> args;
  bool detach = false;
  std::string pid_file;
  bool tty = false;               // -t: a terminal, sent to console_socket
  std::string console_socket;
};

// The program's exit status (128+N on signal N; 126/127 when it could not be executed), or 0
// when detached.
int exec_in_container(const StateRoot& root, const ExecOptions& options);

}  // namespace minirun
