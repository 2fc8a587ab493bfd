// The state directory: one subdirectory per container under --root (default /run/minirun), holding
// state.json, the exec fifo of a created container, the effective config.json and, for
// `run --rootfs`, the overlay's upper and work directories. This is all that links one
// invocation of minirun to the next.
#pragma once

#include "base/fd.hpp"
#include "kernel/cgroups.hpp"

#include <nlohmann/json_fwd.hpp>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minirun {

inline const char* const kDefaultStateRoot = "/run/minirun";

// Container IDs become directory names: no "/", no leading dot (.seccomp is the state root's own), not
// empty, at most 1024 bytes.
void validate_id(const std::string& id);

struct Record {
  std::string id;
  pid_t pid = 0;
  uint64_t start_time = 0;  // of pid, in clock ticks since boot: tells a reused pid apart
  std::string bundle;
  std::string rootfs;
  std::vector<std::string> layers;  // the overlay's lower directories, when it has them
  std::string created;      // RFC 3339
  std::string owner;
  std::map<std::string, std::string> annotations;
  CgroupRecord cgroup;
  // The minirun process creating the container, while it does; 0 once create succeeded. A record
  // whose creator is gone belongs to a create that was killed half way.
  pid_t creator = 0;
  uint64_t creator_start_time = 0;
};

enum class Status { creating, created, running, stopped };
std::string to_string(Status status);

class StateRoot {
 public:
  explicit StateRoot(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string dir_of(const std::string& id) const { return path_ + "/" + id; }
  std::string fifo_of(const std::string& id) const { return dir_of(id) + "/exec.fifo"; }
  std::string config_of(const std::string& id) const { return dir_of(id) + "/config.json"; }

  // Creates root/ID; a second container with the same ID is refused.
  void make_dir(const std::string& id) const;
  void remove_dir(const std::string& id) const;
  // root/ID exists but holds no state.json: a create was killed before it recorded anything.
  bool is_unrecorded(const std::string& id) const;
  // An exclusive lock on root/ID for as long as the Fd lives.
  Fd lock(const std::string& id) const;

  void save(const Record& record) const;
  Record load(const std::string& id) const;  // Error: container "ID" does not exist
  std::vector<std::string> ids() const;      // containers with a state.json, sorted

  // creating (its creator is still at work), created (the init holds the exec fifo open, waiting
  // for start), running, or stopped (the init is gone or its pid reused, or the create was killed).
  // A record read while its create was finishing is replaced by the newer one.
  Status status(Record& record) const;

 private:
  void require_directory() const;
  std::string path_;
};

// The OCI state of a container, exactly the fields the runtime spec lists.
nlohmann::ordered_json oci_state(const Record& record, Status status);

// Field 22 of /proc/PID/stat; nothing when the process is gone or a zombie.
std::optional<uint64_t> start_time_of(pid_t pid);
bool is_alive(pid_t pid, uint64_t start_time);

// The user `state` reports as the owner: the name the passwd file (normally /etc/passwd) gives the
// calling user's UID, or the number when no line has it. Read directly, not with getpwuid(), which a
// static glibc can answer only by loading the shared NSS modules at run time.
std::string current_owner(const std::string& passwd_file = "/etc/passwd");

}  // namespace minirun
