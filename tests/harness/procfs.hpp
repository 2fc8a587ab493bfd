// What /proc tells about processes: the process tree, PID namespaces.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace harness {

// The parent PID of `pid`, or nothing when it has gone.
std::optional<pid_t> parent_of(pid_t pid);

// Every live process below `ancestor` in the process tree (children, grandchildren, ...).
std::vector<pid_t> descendants_of(pid_t ancestor);

// argv of a process as /proc/PID/cmdline has it (empty when it has gone or is a zombie).
std::vector<std::string> cmdline_of(pid_t pid);

// The PID of `pid` inside its own (innermost) PID namespace: the last field of NSpid.
std::optional<pid_t> pid_in_own_namespace(pid_t pid);

// Process state letter from /proc/PID/stat ('Z' for a zombie), or nothing when it has gone.
std::optional<char> state_of(pid_t pid);

// Kills every process in `pids` with SIGKILL and reaps those that are our children.
void kill_and_reap(const std::vector<pid_t>& pids);

// Reaps every child of this process that has already exited.
void reap_exited_children();

}  // namespace harness
