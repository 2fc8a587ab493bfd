// cgroup v2: one directory holds every controller; a controller must be enabled in the parent's
// cgroup.subtree_control before its files appear in a child.
#include "kernel/cgroups.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"
#include "kernel/device_filter.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

namespace minirun {

namespace {

const char* const kRoot = "/sys/fs/cgroup";

// v2 spells "no limit" as "max" where the OCI spec uses -1 (or 0 for pids).
std::string limit_text(int64_t value) { return value > 0 ? std::to_string(value) : "max"; }

// cpu.shares (2..262144) onto cpu.weight (1..10000), the conversion runc and crun use.
uint64_t weight_of(uint64_t shares) {
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

// blkio's weight (10..1000) onto io.weight (1..10000), the conversion runc and crun use.
uint64_t io_weight_of(uint64_t weight) { return 1 + (weight - 10) * 9999 / 990; }

// io.weight of the io controller, or io.bfq.weight where the BFQ scheduler is in use, which takes
// blkio's scale as it is. Either way, lines of "MAJ:MIN WEIGHT" for one device, "default WEIGHT" or
// a bare number for all.
void apply_block_io(const BlockIO& io, const std::string& dir) {
  const std::string no_io = "no io controller for " + dir + " (cgroup.controllers lacks io)";
  bool bfq = ::access((dir + "/io.bfq.weight").c_str(), F_OK) == 0;
  auto weight_text = [&](uint16_t weight) { return std::to_string(bfq ? weight : io_weight_of(weight)); };
  const std::string weight_file = bfq ? "io.bfq.weight" : "io.weight";
  if (io.weight) {
    cgroupfs::write_field("linux.resources.blockIO.weight", dir, weight_file, (bfq ? "" : "default ") + weight_text(*io.weight), no_io);
  }
  for (const auto& device : io.weight_device) {
    if (device.weight) {
      cgroupfs::write_field("linux.resources.blockIO.weightDevice", dir, weight_file,
                            cgroupfs::device_number(device.major, device.minor) + " " + weight_text(*device.weight), no_io);
    }
  }
  for (const auto& throttle : kThrottles) {
    for (const auto& device : io.*throttle.devices) {
      cgroupfs::write_field(throttle.field, dir, "io.max",
                            cgroupfs::device_number(device.major, device.minor) + " " + throttle.v2_key + "=" + std::to_string(device.rate),
                            no_io);
    }
  }
}

class CgroupV2 : public Cgroup {
 public:
  explicit CgroupV2(CgroupRecord record) : Cgroup(std::move(record)) {}

  void apply(const Resources& r) const override {
    const std::string& dir = record_.dirs.front();
    note_ignored(r, "v2");
    if (r.net_class_id || !r.net_priorities.empty()) {
      throw Error("linux.resources.network: cgroup v2 has no net_cls or net_prio controller");
    }
    // v2 has no devices files: the rules become an eBPF program attached to the directory.
    if (!r.devices.empty()) attach_device_filter(dir, r.devices);
    if (r.memory_limit) cgroupfs::write(dir, "memory.max", limit_text(*r.memory_limit));
    if (r.memory_reservation) cgroupfs::write(dir, "memory.low", limit_text(*r.memory_reservation));
    // v2 counts swap alone, the OCI field counts memory + swap; the file exists only with swap
    // accounting compiled in.
    if (r.memory_swap && ::access((dir + "/memory.swap.max").c_str(), F_OK) == 0) {
      bool unlimited = *r.memory_swap < 0 || !r.memory_limit || *r.memory_limit < 0;
      cgroupfs::write(dir, "memory.swap.max",
                      unlimited ? "max" : std::to_string(std::max<int64_t>(0, *r.memory_swap - *r.memory_limit)));
    }
    if (r.pids_limit) cgroupfs::write(dir, "pids.max", limit_text(*r.pids_limit));
    if (r.cpu_quota || r.cpu_period) {
      std::string quota = r.cpu_quota ? limit_text(*r.cpu_quota) : "max";
      cgroupfs::write(dir, "cpu.max", quota + " " + std::to_string(r.cpu_period.value_or(100000)));
    }
    if (r.cpu_shares) cgroupfs::write(dir, "cpu.weight", std::to_string(weight_of(*r.cpu_shares)));
    const std::string no_cpuset = "no cpuset controller for " + dir + " (cgroup.controllers lacks cpuset)";
    if (!r.cpuset_cpus.empty()) cgroupfs::write_field("linux.resources.cpu.cpus", dir, "cpuset.cpus", r.cpuset_cpus, no_cpuset);
    if (!r.cpuset_mems.empty()) cgroupfs::write_field("linux.resources.cpu.mems", dir, "cpuset.mems", r.cpuset_mems, no_cpuset);
    if (!r.block_io.empty()) apply_block_io(r.block_io, dir);
    for (const auto& limit : r.hugepage_limits) {
      cgroupfs::write_field("linux.resources.hugepageLimits", dir, "hugetlb." + limit.page_size + ".max", std::to_string(limit.limit),
                            "no hugetlb." + limit.page_size + ".max in " + dir + " (no hugetlb controller, or no " +
                                limit.page_size + " pages on this machine)");
    }
  }

  uint64_t oom_kills() const override {
    return cgroupfs::read_counter(record_.dirs.front(), "memory.events", "oom_kill");
  }

  // A raw clone3 with no stack returns twice like fork(); glibc has no wrapper for it. minirun has
  // no other thread, so nothing fork() would tidy in the child needs tidying.
  Forked fork_into() const override {
    const std::string& dir = record_.dirs.front();
    Fd cgroup(static_cast<int>(check(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", dir)));
    clone_args args{};
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup.get());
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == -1 && errno == ENOSYS) return Cgroup::fork_into();  // Linux before 5.7
    check(pid, "clone3(CLONE_INTO_CGROUP)", dir);
    return {static_cast<pid_t>(pid), true};
  }
};

void enable_in(const std::string& dir) {
  for (const char* controller : {"+memory", "+pids", "+cpu", "+cpuset", "+io", "+hugetlb"}) {
    try {
      cgroupfs::write(dir, "cgroup.subtree_control", controller);
    } catch (const Error&) {
      // Not available here: a limit that needs it fails later, naming its file.
    }
  }
}

// Turns on the controllers minirun uses in every directory above the leaf, top down: a directory
// can only pass on what its own parent passed to it.
void enable_controllers_above(const std::string& leaf) {
  std::vector<std::string> parents;
  for (std::string dir = leaf; dir != kRoot;) {
    dir = dir.substr(0, dir.rfind('/'));
    parents.push_back(dir);
  }
  for (auto dir = parents.rbegin(); dir != parents.rend(); ++dir) enable_in(*dir);
}

}  // namespace

std::unique_ptr<Cgroup> create_v2(const std::string& path) {
  CgroupRecord record{"v2", {std::string(kRoot) + path}, {}};
  std::vector<std::string> made;
  cgroupfs::make_dirs(record.dirs.front(), made);
  record.created.assign(made.rbegin(), made.rend());
  try {
    enable_controllers_above(record.dirs.front());
  } catch (...) {
    open_v2(record)->destroy();
    throw;
  }
  return open_v2(record);
}

std::unique_ptr<Cgroup> open_v2(const CgroupRecord& record) { return std::make_unique<CgroupV2>(record); }

}  // namespace minirun
