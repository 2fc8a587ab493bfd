#include "leak_guard.hpp"

#include "files.hpp"
#include "procfs.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <exception>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace harness {

namespace {

constexpr int kCgroupDepth = 5;

// The reading functions below never turn something they cannot read into an empty snapshot: that
// would hide every leak (a stage that stacked a proc mount on the host's /proc would leave nothing
// to compare). They throw instead, saying what could not be read and the likely reason.
[[noreturn]] void unreadable(const std::string& what, const std::string& path, int error) {
  throw std::runtime_error(what + " (" + path + ": " + std::strerror(error) + ")");
}

std::string read_host_file(const std::string& path, const std::string& what) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) unreadable(what, path, errno);
  std::string text;
  char buffer[8192];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  int error = errno;
  close(fd);
  if (n == -1) unreadable(what, path, error);
  return text;
}

// /proc/self resolves only in a proc that shows this process's PID namespace: a container's proc
// mounted over the host's /proc (a mount that propagated) does not.
constexpr const char* kHostProcUnreadable = "host /proc unreadable: did a proc mount propagate onto it?";

// mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
std::map<std::tuple<std::string, std::string, std::string>, int> mount_table() {
  std::map<std::tuple<std::string, std::string, std::string>, int> table;
  auto text = read_host_file("/proc/self/mountinfo", kHostProcUnreadable);
  for (const auto& line : split_lines(text)) {
    std::istringstream fields(line);
    std::string field, mount_point, fstype, source;
    for (int i = 0; i < 5 && fields >> field; ++i) mount_point = field;
    while (fields >> field && field != "-") {
    }
    fields >> fstype >> source;
    ++table[{mount_point, fstype, source}];
  }
  if (table.empty()) unreadable(kHostProcUnreadable, "/proc/self/mountinfo", ENODATA);
  return table;
}

// The processes are found through /proc: it must be the host's (see above).
void require_host_proc() {
  struct stat info {};
  if (stat("/proc/self/stat", &info) == -1) unreadable(kHostProcUnreadable, "/proc/self/stat", errno);
}

bool named_like_a_stage(const std::string& name) {
  return name.starts_with("step0") || name.starts_with("minirun") || name.starts_with("probe-");
}

// Only cgroups the project's programs make are judged: a directory named like a stage, or one
// below such a directory. Everything else under /sys/fs/cgroup (systemd's units, other engines'
// containers, the machine's own tooling) comes and goes without us.
bool made_by_a_stage(const std::string& path) {
  std::istringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (named_like_a_stage(part)) return true;
  }
  return false;
}

void collect_cgroups(const std::string& dir, int depth, std::set<std::string>& found) {
  if (depth > kCgroupDepth) return;
  // Below the top, a cgroup may go away between listing and reading it; the top must be there.
  if (depth == 1 && access(dir.c_str(), R_OK | X_OK) == -1) {
    unreadable("the cgroup tree is unreadable: is cgroupfs mounted on " + dir + "?", dir, errno);
  }
  for (const auto& name : list_directory(dir)) {
    std::string path = dir + "/" + name;
    struct stat info {};
    if (lstat(path.c_str(), &info) == -1 || !S_ISDIR(info.st_mode)) continue;  // skips cpu -> cpu,cpuacct links
    if (made_by_a_stage(path)) found.insert(path);
    collect_cgroups(path, depth + 1, found);
  }
}

// minirun's default state root. Like runc's and crun's, it is made by the first container on the machine
// and stays, so its appearance is not a leak; what appears inside it (a container's state) is, but for
// the root's own files, whose names start with a dot as no container ID may (.seccomp: the seccomp
// programs minirun keeps for the next container).
constexpr const char* kStateRoot = "/run/minirun";

bool is_state_root(const std::string& path) {
  return path == kStateRoot;
}

std::set<std::string> files_named_like_stages() {
  std::set<std::string> found;
  for (const std::string dir : {"/tmp", "/run"}) {
    for (const auto& name : list_directory(dir)) {
      if (named_like_a_stage(name)) found.insert(dir + "/" + name);
    }
  }
  for (const auto& name : list_directory(kStateRoot)) {
    if (!name.starts_with(".")) found.insert(std::string(kStateRoot) + "/" + name);
  }
  return found;
}

// A cgroup holding processes that are not this test's descendants belongs to someone else
// (another program on the machine that happened to start meanwhile).
std::set<std::string> cgroups_of_others(const std::set<std::string>& cgroups, const std::set<int>& ours) {
  std::set<std::string> others;
  for (const auto& path : cgroups) {
    auto procs = read_file(path + "/cgroup.procs");
    if (!procs) continue;
    for (const auto& line : split_lines(*procs)) {
      if (!line.empty() && !ours.contains(std::stoi(line))) {
        others.insert(path);
        break;
      }
    }
  }
  return others;
}

std::string describe_process(int pid) {
  std::string text = "process " + std::to_string(pid);
  auto argv = cmdline_of(pid);
  for (const auto& arg : argv) text += " " + arg;
  return text;
}

// A stage killed in the middle (the guard kills a failed test's processes) cannot remove its cgroup or
// its scratch directory. What it left is removed here, so that one failure does not spill into the next
// test or the next run: new cgroups named like a stage (children first) and new /tmp and /run entries
// named like one, unless something is mounted on or below them. A container's state in /run/minirun is
// left to `minirun delete`.
void remove_stage_leftovers(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> cgroups;
  for (const auto& path : after.cgroups) {
    if (!before.cgroups.contains(path) && !after.foreign_cgroups.contains(path)) cgroups.push_back(path);
  }
  std::sort(cgroups.begin(), cgroups.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& path : cgroups) rmdir(path.c_str());
  for (const auto& path : after.stage_files) {
    if (before.stage_files.contains(path) || path.starts_with(std::string(kStateRoot) + "/")) continue;
    bool mounted = false;
    for (const auto& [mount, count] : after.mounts) {
      const std::string& point = std::get<0>(mount);
      mounted = mounted || point == path || point.starts_with(path + "/");
    }
    std::error_code ignored;
    if (!mounted) std::filesystem::remove_all(path, ignored);
  }
}

}  // namespace

Snapshot Snapshot::take() {
  Snapshot snapshot;
  snapshot.mounts = mount_table();
  collect_cgroups("/sys/fs/cgroup", 1, snapshot.cgroups);
  snapshot.stage_files = files_named_like_stages();
  require_host_proc();
  reap_exited_children();
  for (pid_t pid : descendants_of(getpid())) {
    if (state_of(pid) != 'Z') snapshot.processes.insert(pid);
  }
  std::set<int> ours = snapshot.processes;
  ours.insert(getpid());
  snapshot.foreign_cgroups = cgroups_of_others(snapshot.cgroups, ours);
  return snapshot;
}

std::vector<std::string> leaks_between(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> leaks;
  for (const auto& [mount, count] : after.mounts) {
    auto old = before.mounts.find(mount);
    if (old == before.mounts.end() || old->second < count) {
      const auto& [point, fstype, source] = mount;
      leaks.push_back("mount left behind: " + fstype + " " + source + " on " + point);
    }
  }
  for (const auto& path : after.cgroups) {
    if (!before.cgroups.contains(path) && !after.foreign_cgroups.contains(path)) {
      leaks.push_back("cgroup left behind: " + path);
    }
  }
  for (const auto& path : after.stage_files) {
    if (!before.stage_files.contains(path) && !is_state_root(path)) leaks.push_back("file left behind: " + path);
  }
  for (int pid : after.processes) {
    if (!before.processes.contains(pid)) leaks.push_back("process left behind: " + describe_process(pid));
  }
  return leaks;
}

LeakGuard::LeakGuard() : before_(Snapshot::take()) {}

std::vector<std::string> LeakGuard::check() {
  checked_ = true;
  Snapshot after;
  try {
    after = Snapshot::take();
  } catch (const std::exception& e) {  // nothing to compare: that is a failure of its own
    FAIL_CHECK(e.what());
    return {e.what()};
  }
  auto leaks = leaks_between(before_, after);
  std::vector<pid_t> strays;
  for (int pid : after.processes) {
    if (!before_.processes.contains(pid)) strays.push_back(pid);
  }
  kill_and_reap(strays);  // so that one test's leak does not spill into the next
  for (const auto& leak : leaks) {
    FAIL_CHECK(leak);
  }
  return leaks;
}

LeakGuard::~LeakGuard() {
  if (checked_) return;
  if (std::uncaught_exceptions() > 0) {
    // The test already failed; still report and clean what it left, but do not pile on assertions.
    checked_ = true;
    Snapshot after;
    try {
      after = Snapshot::take();
    } catch (const std::exception& e) {
      std::cerr << "after the failure: " << e.what() << '\n';
      return;
    }
    for (const auto& leak : leaks_between(before_, after)) std::cerr << "after the failure: " << leak << '\n';
    std::vector<pid_t> strays;
    for (int pid : after.processes) {
      if (!before_.processes.contains(pid)) strays.push_back(pid);
    }
    kill_and_reap(strays);
    remove_stage_leftovers(before_, after);
    return;
  }
  check();
}

}  // namespace harness
