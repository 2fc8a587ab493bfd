#include "engines.hpp"

#include "../harness/procfs.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <signal.h>
#include <unistd.h>

#include <thread>

namespace engines {

namespace {

using namespace std::chrono_literals;

bool installed(const std::string& program) {
  return harness::run({"sh", "-c", "command -v \"$1\" >/dev/null", "sh", program}).status == 0;
}

bool require_installed(const std::vector<std::string>& programs) {
  harness::require_root();
  for (const auto& program : programs) {
    if (!installed(program)) harness::skip(program + " is not installed (scripts/install-deps --engines installs it)");
  }
  return true;
}

// podman's defaults set ulimits, which needs CAP_SYS_RESOURCE; some sandboxes (and rootless
// setups) do not have it. No network: the tests need none, and it needs no CNI setup.
const char* const kContainersConf = R"([containers]
default_ulimits = []
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
)";

// Every hierarchy under /sys/fs/cgroup (v1 controllers, the unified one, or the v2 root itself).
std::vector<std::string> hierarchies() {
  std::vector<std::string> found = {"/sys/fs/cgroup"};
  for (const auto& name : harness::list_directory("/sys/fs/cgroup")) {
    std::string dir = "/sys/fs/cgroup/" + name;
    if (harness::path_exists(dir + "/cgroup.procs")) found.push_back(dir);
  }
  return found;
}

}  // namespace

EngineCgroups::EngineCgroups(std::vector<std::string> names) {
  for (const auto& hierarchy : hierarchies()) {
    for (const auto& name : names) {
      std::string dir = hierarchy + "/" + name;
      if (!harness::path_exists(dir)) new_dirs_.push_back(dir);
    }
  }
}

EngineCgroups::~EngineCgroups() {
  for (const auto& dir : new_dirs_) ::rmdir(dir.c_str());  // fails, harmlessly, if not there or not empty
}

std::vector<Runtime> runtimes() {
  std::vector<Runtime> found;
  for (const char* runc : {"/usr/sbin/runc", "/usr/bin/runc"}) {
    if (::access(runc, X_OK) == 0) {
      found.push_back({"runc", runc});
      break;
    }
  }
  found.push_back({"minirun", kMinirun});
  return found;
}

Podman::Podman() : installed_(require_installed({"podman", "conmon"})) {
  harness::write_file(*dir_ / "containers.conf", kContainersConf);
  std::string archive = *dir_ / "rootfs.tar";
  REQUIRE(harness::run({"tar", "-C", kRootfs, "-cf", archive, "."}).status == 0);
  auto imported = podman({"import", "--quiet", archive, kImage}, 120s);
  if (imported.status != 0) skip("podman cannot import an image here: " + imported.err);
  auto reference = run(runtimes().front(), {"run", "--rm", kImage, "true"});
  if (reference.status != 0) skip("podman cannot run a container here: " + reference.err);
}

void Podman::skip(const std::string& why) {
  clean_up();
  dir_.reset();
  cgroups_.reset();
  harness::skip(why);
}

Podman::~Podman() { clean_up(); }

void Podman::clean_up() {
  for (const auto& runtime : runtimes()) run(runtime, {"rm", "--all", "--force", "--time", "0"});
  podman({"system", "reset", "--force"}, 60s);
  harness::reap_exited_children();  // conmon, adopted by this process (a subreaper)
}

harness::Result Podman::podman(const std::vector<std::string>& args, harness::Seconds timeout) const {
  // No --runtime-flag root=...: podman 4.3 does not pass it to `delete`, which would then miss the
  // container. The runtimes keep their state in their default roots (/run/runc, /run/minirun).
  std::vector<std::string> argv = {"podman", "--root", *dir_ / "storage", "--runroot", *dir_ / "run", "--tmpdir",
                                   *dir_ / "libpod", "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs",
                                   "--events-backend", "file"};
  argv.insert(argv.end(), args.begin(), args.end());
  return harness::run(argv, timeout, std::nullopt, {{"CONTAINERS_CONF", *dir_ / "containers.conf"}});
}

harness::Result Podman::run(const Runtime& runtime, const std::vector<std::string>& args, harness::Seconds timeout) const {
  std::vector<std::string> with_runtime = {"--runtime", runtime.path};
  with_runtime.insert(with_runtime.end(), args.begin(), args.end());
  auto result = podman(with_runtime, timeout);
  harness::reap_exited_children();
  return result;
}

namespace {

std::string containerd_config(const harness::TempDir& dir) {
  return "version = 2\n"
         "root = \"" + dir / "root" + "\"\n"
         "state = \"" + dir / "state" + "\"\n"
         "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
         "[grpc]\n  address = \"" + dir / "containerd.sock" + "\"\n"
         "[ttrpc]\n  address = \"" + dir / "containerd.sock.ttrpc" + "\"\n";
}

}  // namespace

Containerd::Containerd() : installed_(require_installed({"containerd", "ctr", "containerd-shim-runc-v2"})) {
  made_run_dir_ = !harness::path_exists("/run/containerd");
  harness::write_file(*dir_ / "config.toml", containerd_config(*dir_));
  daemon_.emplace(harness::Child::spawn({"containerd", "--config", *dir_ / "config.toml", "--log-level", "warn"}));
  for (int tries = 0; tries < 100 && ctr({"version"}, 5s).status != 0; ++tries) std::this_thread::sleep_for(100ms);
  auto version = ctr({"version"});
  if (version.status != 0) skip("containerd does not start here: " + version.err);
  std::string archive = *dir_ / "image.tar";
  REQUIRE(harness::run({kMakeArchive, kRootfs, archive, kImage}).status == 0);
  auto imported = ctr({"images", "import", archive});
  INFO(imported.err);
  REQUIRE(imported.status == 0);
}

void Containerd::skip(const std::string& why) {
  clean_up();
  dir_.reset();
  cgroups_.reset();
  harness::skip(why);
}

Containerd::~Containerd() { clean_up(); }

void Containerd::clean_up() {
  ::kill(daemon_->pid(), SIGTERM);
  daemon_->wait(30s);
  daemon_.reset();
  harness::reap_exited_children();  // shims, adopted by this process (a subreaper)
  if (made_run_dir_) {
    // What containerd 1.6 makes there whatever its configuration says: removed only when empty.
    for (const char* dir : {"/run/containerd/s", "/run/containerd/fifo", "/run/containerd/runc", "/run/containerd"}) {
      ::rmdir(dir);
    }
  }
}

harness::Result Containerd::ctr(const std::vector<std::string>& args, harness::Seconds timeout) const {
  std::vector<std::string> argv = {"ctr", "--address", *dir_ / "containerd.sock", "--namespace", "minirun-tests"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = harness::run(argv, timeout);
  harness::reap_exited_children();
  return result;
}

std::vector<std::string> Containerd::run_args(const Runtime& runtime) const {
  return {"--runc-binary", runtime.path, "--runc-root", *dir_ / ("runtime-" + runtime.name), "--fifo-dir", *dir_ / "fifo"};
}

void Containerd::wait_for_status(const std::string& id, const std::string& status) const {
  std::string listed;
  for (int tries = 0; tries < 100; ++tries) {
    listed = ctr({"task", "ls"}).out;
    for (const auto& line : harness::split_lines(listed)) {
      if (line.starts_with(id + " ") && line.find(status) != std::string::npos) return;
    }
    std::this_thread::sleep_for(100ms);
  }
  FAIL("task " << id << " did not reach " << status << ":\n" << listed);
}

}  // namespace engines
