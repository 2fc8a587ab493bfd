// cgroup v1 (and hybrid): one hierarchy per controller, each with its own directory and files.
#include "kernel/cgroups.hpp"

#include "base/error.hpp"
#include "kernel/devices.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace minirun {

namespace {

// The hierarchies a container gets a directory in, in this order in CgroupRecord::dirs.
const char* const kControllers[] = {"memory", "pids", "cpu", "devices"};
enum Index { kMemory = 0, kPids = 1, kCpu = 2, kDevices = 3 };

// The kernel applies the lines in order: "a" on devices.deny first empties the allow list.
void apply_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules) {
  for (const auto& rule : rules) {
    cgroupfs::write(dir, rule.allow ? "devices.allow" : "devices.deny", device_rule_text(rule));
  }
}

class CgroupV1 : public Cgroup {
 public:
  explicit CgroupV1(CgroupRecord record) : Cgroup(std::move(record)) {}

  void apply(const Resources& r) const override {
    const std::string& memory = record_.dirs[kMemory];
    if (r.memory_limit) cgroupfs::write(memory, "memory.limit_in_bytes", std::to_string(*r.memory_limit));
    if (r.memory_reservation) {
      cgroupfs::write(memory, "memory.soft_limit_in_bytes", std::to_string(*r.memory_reservation));
    }
    // memsw is memory + swap, like the OCI field; the file exists only with swap accounting on.
    if (r.memory_swap && ::access((memory + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0) {
      cgroupfs::write(memory, "memory.memsw.limit_in_bytes", std::to_string(*r.memory_swap));
    }
    if (r.pids_limit) {
      cgroupfs::write(record_.dirs[kPids], "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max");
    }
    const std::string& cpu = record_.dirs[kCpu];
    if (r.cpu_period) cgroupfs::write(cpu, "cpu.cfs_period_us", std::to_string(*r.cpu_period));
    if (r.cpu_quota) cgroupfs::write(cpu, "cpu.cfs_quota_us", std::to_string(*r.cpu_quota));
    if (r.cpu_shares) cgroupfs::write(cpu, "cpu.shares", std::to_string(*r.cpu_shares));
    apply_device_rules(record_.dirs[kDevices], r.devices);
  }

  uint64_t oom_kills() const override {
    // memory.oom_control has counted "oom_kill" since Linux 4.13.
    return cgroupfs::read_counter(record_.dirs[kMemory], "memory.oom_control", "oom_kill");
  }
};

std::string mount_point_of(const std::string& controller) {
  std::string dir = "/sys/fs/cgroup/" + controller;
  if (::access(dir.c_str(), F_OK) == -1) throw Error("cgroup v1 hierarchy", dir, errno);
  return dir;
}

}  // namespace

std::unique_ptr<Cgroup> create_v1(const std::string& path) {
  CgroupRecord record{"v1", {}, {}};
  try {
    for (const char* controller : kControllers) {
      std::string dir = mount_point_of(controller) + path;
      std::vector<std::string> made;
      cgroupfs::make_dirs(dir, made);
      record.created.insert(record.created.end(), made.rbegin(), made.rend());
      record.dirs.push_back(dir);
    }
  } catch (...) {
    open_v1(record)->destroy();
    throw;
  }
  return open_v1(record);
}

std::unique_ptr<Cgroup> open_v1(const CgroupRecord& record) { return std::make_unique<CgroupV1>(record); }

}  // namespace minirun
