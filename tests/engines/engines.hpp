// Container engines driving a runtime, for the end-to-end tests: podman (through conmon) and
// containerd (through its runc v2 shim), each with its own configuration and storage under a
// temporary directory, so that nothing of the machine's own setup is read or changed.
#pragma once

#include "../harness/files.hpp"
#include "../harness/process.hpp"

#include <optional>
#include <string>
#include <vector>

namespace engines {

inline const std::string kMinirun = MINIRUN_BIN;
inline const std::string kRootfs = ENGINES_ROOTFS;           // the test rootfs (busybox + probe)
inline const std::string kSysfsCall = ENGINES_SYSFS_CALL;    // a static program calling sysfs(2)
inline const std::string kMakeArchive = ENGINES_MAKE_ARCHIVE;

// Cgroup directories an engine makes for itself and never removes (podman's libpod_parent,
// containerd's namespace): those of `names` (relative, parents after children) that do not exist
// yet in any hierarchy are removed again, once empty, when this goes.
class EngineCgroups {
 public:
  explicit EngineCgroups(std::vector<std::string> names);
  ~EngineCgroups();
  EngineCgroups(const EngineCgroups&) = delete;
  EngineCgroups& operator=(const EngineCgroups&) = delete;

 private:
  std::vector<std::string> new_dirs_;
};

// The runtimes each test runs with: runc (the reference, when installed) and minirun.
struct Runtime {
  std::string name;
  std::string path;
};
std::vector<Runtime> runtimes();

// podman with a containers.conf of its own (default_ulimits = [], no network), storage, run and
// tmp directories under a TempDir, cgroupfs, file events; the test rootfs imported as kImage.
// Skips the test, saying why, when podman is missing or cannot run a container with runc here.
class Podman {
 public:
  static constexpr const char* kImage = "localhost/minirun-test:latest";

  Podman();
  ~Podman();  // removes every container and image, then the directories
  Podman(const Podman&) = delete;
  Podman& operator=(const Podman&) = delete;

  // podman --runtime RUNTIME ARGS...
  harness::Result run(const Runtime& runtime, const std::vector<std::string>& args,
                      harness::Seconds timeout = std::chrono::seconds(60)) const;

 private:
  // podman with this object's storage, directories and containers.conf: podman FLAGS... ARGS...
  harness::Result podman(const std::vector<std::string>& args, harness::Seconds timeout) const;
  void clean_up();
  // Skips (harness::skip ends the process, no destructor runs) after cleaning up.
  [[noreturn]] void skip(const std::string& why);
  // Skips unless everything is installed; checked first, so that a skipped test creates nothing.
  bool installed_;
  std::optional<EngineCgroups> cgroups_{std::vector<std::string>{"libpod_parent/conmon", "libpod_parent"}};
  std::optional<harness::TempDir> dir_{std::in_place};
};

// A containerd daemon of its own (root, state, sockets under a TempDir, the CRI plugin off) and
// `ctr` talking to it; the test rootfs imported as kImage from an OCI archive made offline.
class Containerd {
 public:
  static constexpr const char* kImage = "docker.io/library/minirun-test:latest";

  Containerd();
  ~Containerd();  // stops the daemon, removes the directories
  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;

  harness::Result ctr(const std::vector<std::string>& args, harness::Seconds timeout = std::chrono::seconds(60)) const;
  // ctr run with RUNTIME as the shim's runc binary: ctr run --rm|-d ... IMAGE ID ARGS...
  std::vector<std::string> run_args(const Runtime& runtime) const;
  // Polls `ctr task ls` until task ID has STATUS (REQUIRE, within 10 s).
  void wait_for_status(const std::string& id, const std::string& status) const;

 private:
  void clean_up();
  [[noreturn]] void skip(const std::string& why);  // as in Podman
  bool installed_;
  std::optional<EngineCgroups> cgroups_{std::vector<std::string>{"minirun-tests"}};  // the tests' namespace
  std::optional<harness::TempDir> dir_{std::in_place};
  std::optional<harness::Child> daemon_;
  bool made_run_dir_ = false;  // /run/containerd did not exist: the shim's socket directory is ours
};

}  // namespace engines
