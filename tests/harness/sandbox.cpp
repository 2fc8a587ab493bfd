#include "sandbox.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace harness {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("sandbox: " + what + ": " + std::strerror(errno));
}

struct Kind {
  int flag;
  const char* name;  // in /proc/self/ns
};
constexpr Kind kKinds[] = {{CLONE_NEWNS, "mnt"}, {CLONE_NEWUTS, "uts"}, {CLONE_NEWIPC, "ipc"}};
constexpr size_t kCount = std::size(kKinds);

// The namespaces the test process started in, opened once: each sandbox starts as a copy of those,
// never of an earlier sandbox that a broken stage may have spoiled.
const std::array<int, kCount>& original_namespaces() {
  static const std::array<int, kCount> fds = [] {
    std::array<int, kCount> opened{};
    for (size_t i = 0; i < kCount; ++i) {
      std::string path = std::string("/proc/self/ns/") + kKinds[i].name;
      opened[i] = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (opened[i] == -1) fail("open " + path);
    }
    return opened;
  }();
  return fds;
}

}  // namespace

Sandbox::Sandbox() {
  original_namespaces();
  if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) == -1) fail("unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC)");
  // First cut every mount off from the host, then share them again among the sandbox's own
  // copies only: new peer groups that the host is no member of.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == -1) fail("mount --make-rprivate /");
  if (mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr) == -1) fail("mount --make-rshared /");
  proc_ = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (proc_ == -1) fail("open /proc");
}

Sandbox::~Sandbox() {
  if (proc_ != -1) close(proc_);
  // setns() into a mount namespace moves the caller to its root directory: come back to the
  // directory the test runs in (ctest's working directory), which has the same path in both.
  char cwd[4096];
  bool known = getcwd(cwd, sizeof cwd) != nullptr;
  for (size_t i = 0; i < kCount; ++i) {
    if (setns(original_namespaces()[i], kKinds[i].flag) == -1) {
      std::fprintf(stderr, "sandbox: setns back to the test's %s namespace: %s\n", kKinds[i].name,
                   std::strerror(errno));
    }
  }
  if (known && chdir(cwd) == -1) {
    std::fprintf(stderr, "sandbox: chdir %s after leaving the sandbox: %s\n", cwd, std::strerror(errno));
  }
}

std::optional<std::string> Sandbox::mountinfo() const {
  int fd = openat(proc_, "self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd == -1) return std::nullopt;
  std::string text;
  char buffer[8192];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  close(fd);
  if (n == -1) return std::nullopt;
  return text;
}

}  // namespace harness
