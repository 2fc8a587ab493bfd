// The lifecycle of a container, as the OCI runtime spec and runc define it:
//   create  -> "created": the init is set up and waits on the exec fifo
//   start   -> "running": the init execs the user's program
//   (the program exits, or is killed) -> "stopped"
//   delete  -> gone: its cgroup and state directory are removed
#pragma once

#include "kernel/rootfs.hpp"
#include "spec/spec.hpp"
#include "state/state.hpp"

#include <nlohmann/json_fwd.hpp>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace minirun {

struct CreateOptions {
  std::string id;
  std::string bundle;               // absolute; relative paths of the spec are relative to it
  std::string pid_file;             // empty: none
  std::string console_socket;       // with process.terminal: where the pty's master is sent
  bool no_pivot = false;
  int preserve_fds = 0;             // fds 3 .. 3+N-1 are passed on to the container's program
  std::vector<std::string> layers;  // `run --rootfs`: read-only overlay layers, first on top
  std::optional<RootAttributes> layers_root;  // with layers: the root's mode and owner (else the top layer's)
};

// Everything a failed create made is removed again before the Error leaves.
Record create_container(const StateRoot& root, const CreateOptions& options, Spec spec);
void start_container(const StateRoot& root, const std::string& id);
// `start` for the caller of create_container, which holds the record and the spec's hooks: nothing is
// read back from the state directory.
void start_created(const StateRoot& root, const Record& record, const Hooks& hooks);
nlohmann::ordered_json container_state(const StateRoot& root, const std::string& id);
// `all`: every process in the container's cgroup, not only its init.
void kill_container(const StateRoot& root, const std::string& id, int signal, bool all);
// A running container needs `force` (SIGKILL first). Nothing of it remains afterwards.
void delete_container(const StateRoot& root, const std::string& id, bool force);
// `delete` for the caller that created the container and reaped its init (run): nothing read back either.
void delete_exited(const StateRoot& root, const Record& record, const Hooks& hooks);
std::vector<pid_t> container_pids(const StateRoot& root, const std::string& id);

}  // namespace minirun
