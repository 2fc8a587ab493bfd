// A temporary state root and bundle for driving minirun the way a user or an engine does.
#pragma once

#include "../harness/files.hpp"
#include "../harness/process.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace minirun_tests {

inline const std::string kMinirun = MINIRUN_BIN;
inline const std::string kRootfs = MINIRUN_ROOTFS;
// A container process that stays until it is killed.
inline const std::vector<std::string> kSleep = {"/bin/probe", "sleep", "100"};

class Fixture {
 public:
  Fixture();

  const std::string& state_root() const { return state_; }
  const std::string& bundle() const { return bundle_; }
  std::string path(const std::string& name) const { return tmp_ / name; }

  // minirun --root STATE ARGS..., its output in files rather than pipes: a container started by
  // `create` or `run -d` inherits them and would hold pipes open.
  harness::Result minirun(const std::vector<std::string>& args, harness::Seconds timeout = harness::kDefaultTimeout) const;
  // The same with another state root and with `environment` added to minirun's.
  harness::Result minirun_at(const std::string& root, const std::vector<std::string>& args,
                             const harness::Child::Environment& environment = {},
                             harness::Seconds timeout = harness::kDefaultTimeout) const;
  // Another minirun binary (a copy under attack) with this state root, its output in `out` and
  // `out`.err, files that a test may read while a container it started still writes to them.
  harness::Result minirun_binary(const std::string& binary, const std::vector<std::string>& args,
                                 const std::string& out, harness::Seconds timeout = harness::kDefaultTimeout) const;
  // minirun in the background; with `pipes` its output can be read as it comes, but then the
  // container's processes hold the pipes as long as they live.
  harness::Child spawn(const std::vector<std::string>& args, bool pipes = true) const;

  // A name no other test process uses at the same time (cgroups are machine-wide).
  static std::string unique(const std::string& name);

  // `minirun spec`'s config.json, with the test rootfs as root, `args` as the process and a
  // cgroupsPath of its own.
  nlohmann::json default_config(const std::vector<std::string>& args) const;
  void write_config(const nlohmann::json& config) const;

  // create + start from the bundle; REQUIREs success.
  void create(const std::string& id, const nlohmann::json& config) const;
  void create_and_start(const std::string& id, const nlohmann::json& config) const;
  // create from `config` that must fail: checks the one error line (require_one_error_line) and
  // that no container is left in the state root; returns the result for the caller to check the message.
  harness::Result create_refused(const std::string& id, const nlohmann::json& config) const;
  nlohmann::json state(const std::string& id) const;
  // Polls `state` until the status is `status` (REQUIRE, within 10 s).
  void wait_for_status(const std::string& id, const std::string& status) const;
  // Runs a container made from `config` to its end; returns run's result.
  harness::Result run(const std::string& id, const nlohmann::json& config) const;
  // Runs a container to its end with `args` as its process; returns its stdout (REQUIREs status 0).
  std::string output_of(nlohmann::json config, const std::vector<std::string>& args) const;
  // `list --format json`, parsed (REQUIREs success).
  nlohmann::json list() const;
  // delete --force, and check that the container's state directory is gone.
  void remove(const std::string& id) const;
  // remove() of a container that has an init, and check that the init is gone too.
  void remove_with_init(const std::string& id) const;
  std::vector<std::string> containers() const;  // entries of the state root, but its own (".seccomp")
  // A private copy of the test rootfs (the shared one is never written), for a writable root.
  std::string copy_of_rootfs() const;

 private:
  harness::Result run_to_files(const std::string& binary, const std::string& root, const std::vector<std::string>& args,
                               const harness::Child::Environment& environment, harness::Seconds timeout,
                               const std::string& out) const;
  harness::TempDir tmp_;
  std::string state_, bundle_;
};

// True once `pid` has exited, reaping what this test process adopted (it is a child subreaper, as
// an engine's shim is): a PID namespace's init finishes exiting only after its processes are reaped.
bool gone(int pid);

// The error line contract: exactly one line, "minirun: VERB: ...".
void require_one_error_line(const harness::Result& result, const std::string& verb);

// The container's cgroup directory of one controller on the host, for this machine's layout.
std::string cgroup_dir(const std::string& controller, const std::string& path);
bool cgroup_v2();

}  // namespace minirun_tests
