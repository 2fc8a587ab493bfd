#include "kernel/cgroups.hpp"

#include "base/error.hpp"
#include "base/fault.hpp"
#include "base/files.hpp"
#include "base/log.hpp"
#include "base/text.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <string_view>
#include <thread>

namespace minirun {

namespace {

bool is_cgroup2(const char* path) {
  struct statfs fs {};
  return ::statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

bool remove_when_empty(const std::string& dir) {
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
  if (errno == EBUSY) return false;
  throw Error("rmdir", dir, errno);
}

}  // namespace

std::string cgroup_layout() {
  if (is_cgroup2("/sys/fs/cgroup")) return "v2";
  return is_cgroup2("/sys/fs/cgroup/unified") ? "hybrid" : "v1";
}

std::unique_ptr<Cgroup> Cgroup::create(const std::string& path) {
  return cgroup_layout() == "v2" ? create_v2(path) : create_v1(path);
}

std::unique_ptr<Cgroup> Cgroup::open(const CgroupRecord& record) {
  return record.version == "v2" ? open_v2(record) : open_v1(record);
}

Cgroup::Forked Cgroup::fork_into() const { return {static_cast<pid_t>(check(::fork(), "fork")), false}; }

void Cgroup::add(pid_t pid) const {
  fault_point("cgroup:moving-process");
  for (const auto& dir : record_.dirs) cgroupfs::write(dir, "cgroup.procs", std::to_string(pid));
}

std::vector<pid_t> Cgroup::pids() const {
  std::vector<pid_t> pids;
  if (record_.dirs.empty()) return pids;
  std::string procs = read_file_if_any(record_.dirs.front() + "/cgroup.procs").value_or("");
  for (std::string_view line : split(procs, '\n')) {
    pid_t pid = 0;
    if (std::from_chars(line.data(), line.data() + line.size(), pid).ec == std::errc()) pids.push_back(pid);
  }
  return pids;
}

void Cgroup::signal_all(int signal) const {
  for (pid_t pid : pids()) ::kill(pid, signal);
}

void Cgroup::destroy() const {
  using namespace std::chrono_literals;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (const auto& dir : record_.created) {
    // A killed process leaves its cgroup only once it has fully exited: retry while busy, from
    // 0.1 ms up, waiting twice as long each time, at most 10 ms.
    for (auto pause = 100us; !remove_when_empty(dir); pause = std::min<std::chrono::microseconds>(pause * 2, 10ms)) {
      if (std::chrono::steady_clock::now() > deadline) throw Error("rmdir", dir, EBUSY);
      signal_all(SIGKILL);
      std::this_thread::sleep_for(pause);
    }
  }
}

std::vector<HierarchyView> own_v1_hierarchies() {
  // /proc/self/cgroup: "ID:controllers:path"; ID 0 is the v2 hierarchy, skipped here.
  std::vector<HierarchyView> views;
  std::string own = read_file_if_any("/proc/self/cgroup").value_or("");
  for (std::string_view line : split(own, '\n')) {
    if (line.empty()) continue;
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (line.starts_with("0:")) continue;
    std::string controllers(line.substr(first + 1, second - first - 1));
    if (controllers.starts_with("name=")) controllers = controllers.substr(5);
    std::string mount_point = "/sys/fs/cgroup/" + controllers;
    if (::access(mount_point.c_str(), F_OK) == 0) views.push_back({mount_point, std::string(line.substr(second + 1))});
  }
  return views;
}

void note_ignored(const Resources& r, const std::string& layout) {
  const std::pair<bool, const char*> ignored[] = {
      {r.memory_kernel.has_value(), "memory.kernel: kernel memory counts in the memory limit; the kernel deprecated its own limit (runc ignores it too)"},
      {r.memory_kernel_tcp.has_value(), "memory.kernelTCP: TCP buffers count in the memory limit; the kernel deprecated their own limit (runc ignores it too)"},
      {r.use_hierarchy.has_value(), "memory.useHierarchy: hierarchical accounting is the only mode current kernels have"},
      {r.check_before_update.has_value(), "memory.checkBeforeUpdate: it is for an update verb, which minirun does not have"},
      {r.block_io.leaf_weight.has_value() || std::ranges::any_of(r.block_io.weight_device, [](const WeightDevice& d) { return d.leaf_weight.has_value(); }),
       "blockIO.leafWeight: it belonged to the CFQ scheduler, which Linux 5.0 removed"},
      {layout == "v2" && r.memory_swappiness.has_value(), "memory.swappiness: cgroup v2 has no swappiness of its own per cgroup"},
      {layout == "v2" && r.disable_oom_killer.value_or(false), "memory.disableOOMKiller: cgroup v2 cannot turn the OOM killer off for a cgroup"},
  };
  for (const auto& [given, why] : ignored) {
    if (given) log_debug(std::string("config.json: ignored linux.resources.") + why);
  }
}

namespace cgroupfs {

std::string device_number(int64_t major, int64_t minor) { return std::to_string(major) + ":" + std::to_string(minor); }

void write_field(const std::string& field, const std::string& dir, const std::string& file, const std::string& value,
                 const std::string& missing) {
  if (::access((dir + "/" + file).c_str(), F_OK) == -1) throw Error(field + ": " + missing);
  try {
    write(dir, file, value);
  } catch (const Error& e) {
    throw Error(field + ": " + e.what());
  }
}

void write(const std::string& dir, const std::string& file, const std::string& value) {
  write_kernel_file(dir + "/" + file, value);
}

std::string read(const std::string& dir, const std::string& file) { return read_file(dir + "/" + file); }

// "KEY VALUE" lines: memory.events, memory.oom_control.
uint64_t read_counter(const std::string& dir, const std::string& file, const std::string& key) {
  std::string counters = read_file_if_any(dir + "/" + file).value_or("");
  for (std::string_view line : split(counters, '\n')) {
    if (!line.starts_with(key + " ")) continue;
    uint64_t value = 0;
    std::from_chars(line.data() + key.size() + 1, line.data() + line.size(), value);
    return value;
  }
  return 0;
}

void make_dirs(const std::string& path, std::vector<std::string>& created) {
  std::vector<std::string> made = make_directories(path, 0755);
  if (made.empty()) throw Error("mkdir", path, EEXIST);
  created.insert(created.end(), made.begin(), made.end());
}

}  // namespace cgroupfs

}  // namespace minirun
