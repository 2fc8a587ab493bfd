// cgroup v1 (and hybrid): one hierarchy per controller, each with its own directory and files.
#include "kernel/cgroups.hpp"

#include "base/error.hpp"
#include "kernel/devices.hpp"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <tuple>

namespace minirun {

namespace {

// The hierarchies a container gets a directory in. The first four every machine minirun runs on has;
// the others only where the kernel and the init system mounted them (net_cls and net_prio usually share
// one, reached by either name), and a field that needs a missing one is refused by name.
struct Hierarchy {
  const char* controller;
  bool required;
};
constexpr Hierarchy kHierarchies[] = {
    {"memory", true}, {"pids", true},    {"cpu", true},     {"devices", true},  {"cpuset", false},
    {"blkio", false}, {"hugetlb", false}, {"net_cls", false}, {"net_prio", false},
};

// Where a controller's hierarchy is mounted, its symlink followed ("cpu" -> "cpu,cpuacct", as systemd
// links them); empty if none. Looked up once per process: every write to a cgroup file asks.
std::string mount_point_of(const std::string& controller) {
  static std::map<std::string, std::string> known;
  if (auto found = known.find(controller); found != known.end()) return found->second;
  std::string path = "/sys/fs/cgroup/" + controller;
  char target[PATH_MAX];
  ssize_t length = ::readlink(path.c_str(), target, sizeof target - 1);
  if (length > 0) {
    std::string link(target, static_cast<size_t>(length));
    path = link.starts_with("/") ? link : "/sys/fs/cgroup/" + link;
  }
  return known[controller] = ::access(path.c_str(), F_OK) == 0 ? path : "";
}

// The kernel applies the lines in order: "a" on devices.deny first empties the allow list.
void apply_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules) {
  for (const auto& rule : rules) {
    cgroupfs::write(dir, rule.allow ? "devices.allow" : "devices.deny", device_rule_text(rule));
  }
}

// A new cpuset cgroup starts with no CPUs and no memory nodes, and no process may join it so:
// each directory made takes its parent's, top down.
void inherit_cpusets(const std::vector<std::string>& made) {
  for (const auto& dir : made) {
    std::string parent = dir.substr(0, dir.rfind('/'));
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      if (cgroupfs::read(dir, file).find_first_not_of(" \n") == std::string::npos) {
        cgroupfs::write(dir, file, cgroupfs::read(parent, file));
      }
    }
  }
}

std::string device_line(int64_t major, int64_t minor, uint64_t value) {
  return cgroupfs::device_number(major, minor) + " " + std::to_string(value);
}

class CgroupV1 : public Cgroup {
 public:
  explicit CgroupV1(CgroupRecord record) : Cgroup(std::move(record)) {}

  void apply(const Resources& r) const override {
    note_ignored(r, "v1");
    apply_memory(r);
    if (r.pids_limit) cgroupfs::write(dir_of("pids"), "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max");
    const std::string cpu = dir_of("cpu");
    if (r.cpu_period) cgroupfs::write(cpu, "cpu.cfs_period_us", std::to_string(*r.cpu_period));
    if (r.cpu_quota) cgroupfs::write(cpu, "cpu.cfs_quota_us", std::to_string(*r.cpu_quota));
    if (r.cpu_shares) cgroupfs::write(cpu, "cpu.shares", std::to_string(*r.cpu_shares));
    for (const auto& [field, file, value] : {std::tuple{"linux.resources.cpu.cpus", "cpuset.cpus", &r.cpuset_cpus},
                                             std::tuple{"linux.resources.cpu.mems", "cpuset.mems", &r.cpuset_mems}}) {
      if (!value->empty()) cgroupfs::write_field(field, dir_of("cpuset", field), file, *value, std::string("no ") + file);
    }
    apply_device_rules(dir_of("devices"), r.devices);
    if (!r.block_io.empty()) apply_block_io(r.block_io, dir_of("blkio", "linux.resources.blockIO"));
    for (const auto& limit : r.hugepage_limits) {
      const char* field = "linux.resources.hugepageLimits";
      cgroupfs::write_field(field, dir_of("hugetlb", field), "hugetlb." + limit.page_size + ".limit_in_bytes",
                            std::to_string(limit.limit), "no " + limit.page_size + " pages on this machine");
    }
    apply_network(r);
  }

  uint64_t oom_kills() const override {
    // memory.oom_control has counted "oom_kill" since Linux 4.13.
    return cgroupfs::read_counter(dir_of("memory"), "memory.oom_control", "oom_kill");
  }

 private:
  // The container's directory in the hierarchy of `controller`; `field` names what needs it when the
  // machine has no such hierarchy.
  std::string dir_of(const std::string& controller, const std::string& field = "") const {
    std::string mount_point = mount_point_of(controller);
    for (const auto& dir : record_.dirs) {
      if (!mount_point.empty() && dir.starts_with(mount_point + "/")) return dir;
    }
    throw Error(field.empty() ? "cgroup v1 hierarchy" : field + ": this machine has no cgroup v1 hierarchy",
                "/sys/fs/cgroup/" + controller, ENOENT);
  }

  void apply_memory(const Resources& r) const {
    const std::string memory = dir_of("memory");
    if (r.memory_limit) cgroupfs::write(memory, "memory.limit_in_bytes", std::to_string(*r.memory_limit));
    if (r.memory_reservation) {
      cgroupfs::write(memory, "memory.soft_limit_in_bytes", std::to_string(*r.memory_reservation));
    }
    // memsw is memory + swap, like the OCI field; the file exists only with swap accounting on.
    if (r.memory_swap && ::access((memory + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0) {
      cgroupfs::write(memory, "memory.memsw.limit_in_bytes", std::to_string(*r.memory_swap));
    }
    if (r.memory_swappiness) cgroupfs::write(memory, "memory.swappiness", std::to_string(*r.memory_swappiness));
    if (r.disable_oom_killer.value_or(false)) cgroupfs::write(memory, "memory.oom_control", "1");
  }

  void apply_network(const Resources& r) const {
    const char* class_id = "linux.resources.network.classID";
    if (r.net_class_id) {
      cgroupfs::write_field(class_id, dir_of("net_cls", class_id), "net_cls.classid", std::to_string(*r.net_class_id), "no net_cls.classid");
    }
    const char* priorities = "linux.resources.network.priorities";
    for (const auto& priority : r.net_priorities) {
      cgroupfs::write_field(priorities, dir_of("net_prio", priorities), "net_prio.ifpriomap",
                            priority.name + " " + std::to_string(priority.priority), "no net_prio.ifpriomap");
    }
  }

  // blkio.weight belonged to the CFQ scheduler; with BFQ the files are blkio.bfq.*. Whichever exists.
  static void apply_block_io(const BlockIO& io, const std::string& dir) {
    std::string weight = ::access((dir + "/blkio.weight").c_str(), F_OK) == 0 ? "blkio.weight" : "blkio.bfq.weight";
    const std::string no_weights = "no blkio.weight or blkio.bfq.weight (no I/O scheduler with weights)";
    if (io.weight) cgroupfs::write_field("linux.resources.blockIO.weight", dir, weight, std::to_string(*io.weight), no_weights);
    for (const auto& device : io.weight_device) {
      if (device.weight) {
        cgroupfs::write_field("linux.resources.blockIO.weightDevice", dir, weight + "_device",
                              device_line(device.major, device.minor, *device.weight), no_weights);
      }
    }
    for (const auto& throttle : kThrottles) {
      for (const auto& device : io.*throttle.devices) {
        cgroupfs::write_field(throttle.field, dir, throttle.v1_file, device_line(device.major, device.minor, device.rate),
                              std::string("no ") + throttle.v1_file + " (no block I/O throttling in this kernel)");
      }
    }
  }
};

}  // namespace

std::unique_ptr<Cgroup> create_v1(const std::string& path) {
  CgroupRecord record{"v1", {}, {}};
  std::set<std::string> joined;
  try {
    for (const auto& hierarchy : kHierarchies) {
      std::string mount_point = mount_point_of(hierarchy.controller);
      if (mount_point.empty() && hierarchy.required) {
        throw Error("cgroup v1 hierarchy", std::string("/sys/fs/cgroup/") + hierarchy.controller, ENOENT);
      }
      if (mount_point.empty() || !joined.insert(mount_point).second) continue;
      std::vector<std::string> made;
      cgroupfs::make_dirs(mount_point + path, made);
      record.created.insert(record.created.end(), made.rbegin(), made.rend());
      record.dirs.push_back(mount_point + path);
      if (std::string(hierarchy.controller) == "cpuset") inherit_cpusets(made);
    }
  } catch (...) {
    open_v1(record)->destroy();
    throw;
  }
  return open_v1(record);
}

std::unique_ptr<Cgroup> open_v1(const CgroupRecord& record) { return std::make_unique<CgroupV1>(record); }

}  // namespace minirun
