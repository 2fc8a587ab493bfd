#include "procfs.hpp"

#include "files.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <sstream>

namespace harness {

namespace {

std::string proc_path(pid_t pid, const std::string& file) { return "/proc/" + std::to_string(pid) + "/" + file; }

// /proc/PID/stat: "PID (COMM) STATE PPID ...". COMM may hold spaces and ')', so parse from the last ')'.
std::optional<std::string> stat_after_comm(pid_t pid) {
  auto stat = read_file(proc_path(pid, "stat"));
  if (!stat) return std::nullopt;
  auto close = stat->rfind(')');
  if (close == std::string::npos || close + 2 > stat->size()) return std::nullopt;
  return stat->substr(close + 2);
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  for (const auto& name : list_directory("/proc")) {
    if (name.find_first_not_of("0123456789") == std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace

std::optional<pid_t> parent_of(pid_t pid) {
  auto rest = stat_after_comm(pid);
  if (!rest) return std::nullopt;
  std::istringstream fields(*rest);
  char state = 0;
  pid_t parent = 0;
  if (!(fields >> state >> parent)) return std::nullopt;
  return parent;
}

std::optional<char> state_of(pid_t pid) {
  auto rest = stat_after_comm(pid);
  if (!rest || rest->empty()) return std::nullopt;
  return (*rest)[0];
}

std::vector<pid_t> descendants_of(pid_t ancestor) {
  std::multimap<pid_t, pid_t> children;  // parent -> child
  for (pid_t pid : all_pids()) {
    if (auto parent = parent_of(pid)) children.emplace(*parent, pid);
  }
  std::vector<pid_t> found;
  std::vector<pid_t> todo{ancestor};
  while (!todo.empty()) {
    pid_t parent = todo.back();
    todo.pop_back();
    auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      found.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return found;
}

std::vector<std::string> cmdline_of(pid_t pid) {
  std::vector<std::string> argv;
  auto text = read_file(proc_path(pid, "cmdline"));
  if (!text) return argv;
  std::string arg;
  for (char c : *text) {
    if (c == '\0') {
      argv.push_back(arg);
      arg.clear();
    } else {
      arg += c;
    }
  }
  if (!arg.empty()) argv.push_back(arg);
  return argv;
}

std::optional<pid_t> pid_in_own_namespace(pid_t pid) {
  auto status = read_file(proc_path(pid, "status"));
  if (!status) return std::nullopt;
  for (const auto& line : split_lines(*status)) {
    if (!line.starts_with("NSpid:")) continue;
    std::istringstream fields(line.substr(6));
    pid_t value = 0, last = 0;
    while (fields >> value) last = value;
    if (last != 0) return last;
  }
  return std::nullopt;
}

void kill_and_reap(const std::vector<pid_t>& pids) {
  // A pidfd names one process for good (no PID reuse) and turns readable when it has exited,
  // whoever its parent is; so each kill can be waited for.
  std::vector<int> pidfds;
  for (pid_t pid : pids) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd == -1) continue;  // already gone
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    pidfds.push_back(pidfd);
  }
  for (int pidfd : pidfds) {
    pollfd exited{pidfd, POLLIN, 0};
    while (poll(&exited, 1, 10000) == -1 && errno == EINTR) {
    }
    close(pidfd);
  }
  for (pid_t pid : pids) {
    if (parent_of(pid) != getpid()) continue;
    while (waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
    }
  }
}

void reap_exited_children() {
  for (;;) {
    pid_t done = waitpid(-1, nullptr, WNOHANG);
    if (done > 0) continue;
    if (done == -1 && errno == EINTR) continue;
    break;
  }
}

}  // namespace harness
