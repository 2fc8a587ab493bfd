// The console of a container whose process.terminal is true. The engine (conmon, containerd's
// shim) listens on a unix socket and passes its path as --console-socket; minirun:
//   1. connects to it before the container is set up (the path is on the host's file system),
//   2. inside the container, opens a new pseudo terminal from the container's /dev/ptmx,
//   3. sends the master side back over the socket (SCM_RIGHTS: the fd itself, not a copy of data),
//   4. makes the slave side the process's controlling terminal and its stdin, stdout and stderr.
// The engine then owns the master: what it writes there is the container's keyboard.
#pragma once

#include "base/fd.hpp"
#include "spec/spec.hpp"

#include <string>

namespace minirun {

Fd connect_console_socket(const std::string& path);

// runc's rule: a terminal needs a socket to send it to, and a socket is only for a terminal.
// Connected when both are given, an empty Fd when neither is; an Error otherwise.
Fd open_console_socket(bool terminal, const std::string& path);

// In the container (a session leader, after pivot_root): steps 2 to 4.
void set_up_console(const Fd& socket, const Process& process);

}  // namespace minirun
