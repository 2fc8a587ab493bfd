// Control groups behind one interface. Which layout the machine has is found at run time:
//   v2:     /sys/fs/cgroup is cgroup2, one directory per container holds every controller;
//   v1:     one hierarchy per controller (/sys/fs/cgroup/memory, .../pids, .../cpu);
//   hybrid: v1 controllers plus a cgroup2 at /sys/fs/cgroup/unified with none: treated as v1.
// The container's cgroup is a directory in each hierarchy used; a process is put in it by writing
// its pid to cgroup.procs, limits are files, and the directory is removed (rmdir) once empty.
#pragma once

#include "spec/spec.hpp"

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace minirun {

// Where a container's cgroup is, as state.json keeps it between invocations.
struct CgroupRecord {
  std::string version;               // "v1" or "v2"
  std::vector<std::string> dirs;     // the container's directory in each hierarchy
  std::vector<std::string> created;  // what to rmdir at delete, deepest first
};

std::string cgroup_layout();  // "v1", "v2" or "hybrid"

class Cgroup {
 public:
  virtual ~Cgroup() = default;

  // Creates the directories for `path` (relative to each hierarchy's root); the directories it
  // had to make are recorded so that remove() takes away exactly those.
  static std::unique_ptr<Cgroup> create(const std::string& path);
  // The cgroup of an existing container, from its state.
  static std::unique_ptr<Cgroup> open(const CgroupRecord& record);

  virtual void apply(const Resources& resources) const = 0;
  // How many times the OOM killer killed a process of this cgroup.
  virtual uint64_t oom_kills() const = 0;

  // fork(), except that on cgroup v2 the child is born in this cgroup (clone3 with CLONE_INTO_CGROUP)
  // and so is never moved: moving a process takes a lock whose first writer after a quiet moment
  // waits for an RCU grace period, milliseconds. Elsewhere (cgroup v1, a kernel before 5.7) the
  // child is not in the cgroup yet, and must add() itself.
  struct Forked {
    pid_t pid;
    bool in_cgroup;
  };
  virtual Forked fork_into() const;
  void add(pid_t pid) const;
  std::vector<pid_t> pids() const;
  // Signals every process of the cgroup.
  void signal_all(int signal) const;
  // SIGKILLs every process until none is left, then removes the directories.
  void destroy() const;

  const CgroupRecord& record() const { return record_; }

 protected:
  explicit Cgroup(CgroupRecord record) : record_(std::move(record)) {}
  CgroupRecord record_;
};

// Where this process sits in each v1 hierarchy, so that a `cgroup` mount inside the container can
// show the container's own cgroup (read before a cgroup namespace hides the host's paths).
struct HierarchyView {
  std::string mount_point;  // /sys/fs/cgroup/memory
  std::string path;         // /minirun-ID
};
std::vector<HierarchyView> own_v1_hierarchies();

// Says in --debug output which resource fields this layout accepts but does not apply, and why.
void note_ignored(const Resources& resources, const std::string& layout);

// linux.resources.blockIO's four throttles: the field, the v1 file and the v2 io.max key it goes to.
struct Throttle {
  std::vector<ThrottleDevice> BlockIO::*devices;
  const char* field;
  const char* v1_file;
  const char* v2_key;
};
inline constexpr Throttle kThrottles[] = {
    {&BlockIO::throttle_read_bps, "linux.resources.blockIO.throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps"},
    {&BlockIO::throttle_write_bps, "linux.resources.blockIO.throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps"},
    {&BlockIO::throttle_read_iops, "linux.resources.blockIO.throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops"},
    {&BlockIO::throttle_write_iops, "linux.resources.blockIO.throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops"},
};

// Helpers shared by the v1 and v2 implementations.
namespace cgroupfs {
// "MAJ:MIN", how both layouts name a block device.
std::string device_number(int64_t major, int64_t minor);
void write(const std::string& dir, const std::string& file, const std::string& value);
// The same for a config.json field, whose name starts the error: "FIELD: `missing`" when the file is not
// there (a controller or a size this kernel lacks), "FIELD: write VALUE to PATH: ERRNO" when the kernel
// refuses the value.
void write_field(const std::string& field, const std::string& dir, const std::string& file, const std::string& value,
                 const std::string& missing);
std::string read(const std::string& dir, const std::string& file);
// The number after `key` in a "key value" per line file (memory.events, memory.oom_control).
uint64_t read_counter(const std::string& dir, const std::string& file, const std::string& key);
// mkdir -p, appending every directory it made to `created` (deepest last). The last one must be
// new: two containers sharing a cgroup would share limits, and delete would kill both.
void make_dirs(const std::string& path, std::vector<std::string>& created);
}  // namespace cgroupfs

std::unique_ptr<Cgroup> create_v1(const std::string& path);
std::unique_ptr<Cgroup> open_v1(const CgroupRecord& record);
std::unique_ptr<Cgroup> create_v2(const std::string& path);
std::unique_ptr<Cgroup> open_v2(const CgroupRecord& record);

}  // namespace minirun
