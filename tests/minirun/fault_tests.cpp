// Faults: minirun SIGKILLed at every phase of create, start, run and delete (MINIRUN_FAULT, see
// final/lib/fault.hpp), a container killed from outside, a reused PID, a full state directory and
// the lock of a killed minirun. Afterwards `state` and `list` tell the truth and `delete --force`
// leaves no cgroup, mount, state directory or process (LeakGuard).

#include "fixture.hpp"

#include "../harness/files.hpp"
#include "../harness/leak_guard.hpp"
#include "../harness/procfs.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <chrono>
#include <map>
#include <thread>

using namespace minirun_tests;
using nlohmann::json;

namespace {

constexpr int kKilled = 128 + SIGKILL;

// What `state` must say after minirun was killed at each phase ("" = the container does not exist).
const std::map<std::string, std::string> kStatusAfter = {
    {"create:state-dir-made", ""},         {"create:state-recorded", "stopped"}, {"create:cgroup-made", "stopped"},
    {"create:init-cloned", "stopped"},     {"create:init-ready", "stopped"},     {"create:state-written", "created"},
    {"start:fifo-opened", "created"},      {"start:init-released", "running"},   {"run:waiting", "running"},
    {"run:exited", "stopped"},             {"delete:init-killed", "stopped"},    {"delete:cgroup-removed", "stopped"},
};

// The fault being checked, for its line in the reliability figures (scripts/reliability-report):
// which verb was killed where, then what state said; require_delete_cleans prints it.
std::string fault_figure;

// minirun, SIGKILLed by its own fault point `phase`.
void kill_minirun_at(const Fixture& f, const std::string& phase, const std::vector<std::string>& args) {
  auto result = f.minirun_at(f.state_root(), args, {{"MINIRUN_FAULT", phase}});
  INFO("minirun " << harness::describe(args) << " with MINIRUN_FAULT=" << phase << ": " << result.err);
  REQUIRE(result.status == kKilled);
  bool rootfs = args.size() > 1 && args[1] == "--rootfs";
  fault_figure = "minirun " + args.front() + (rootfs ? " --rootfs" : "") + " killed at " + phase;
}

std::string pids_cgroup_of(const json& config) {
  return cgroup_dir("pids", config["linux"]["cgroupsPath"].get<std::string>());
}

// True once the cgroup holds no process (or is gone), within 5 s.
bool cgroup_empties(const std::string& dir) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    harness::reap_exited_children();
    auto procs = harness::read_file(dir + "/cgroup.procs");
    if (!procs || harness::trim(*procs).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// `list` must agree with `state`: the container appears with the same status, or not at all.
void require_list_agrees(const Fixture& f, const std::string& id, const std::string& status) {
  std::vector<std::string> statuses;
  for (const auto& entry : f.list()) {
    if (entry["id"] == id) statuses.push_back(entry["status"]);
  }
  if (status.empty()) {
    CHECK(statuses.empty());
  } else {
    CHECK(statuses == std::vector<std::string>{status});
  }
}

// `state` after the kill: the status the phase leaves, and a stopped container has no process.
void require_truthful_state(const Fixture& f, const std::string& id, const std::string& expected, const json& config) {
  auto state = f.minirun({"state", id});
  INFO("after the kill, state says: " << state.out << state.err);
  if (expected.empty()) {
    CHECK(state.status != 0);
    CHECK_THAT(state.err, Catch::Contains("container \"" + id + "\" does not exist"));
  } else {
    REQUIRE(state.status == 0);
    json parsed = json::parse(state.out);
    CHECK(parsed["status"] == expected);
    if (expected == "stopped") {
      CHECK(parsed["pid"] == 0);
      CHECK(cgroup_empties(pids_cgroup_of(config)));  // a half-made init ends by itself
    } else {
      CHECK(::kill(parsed["pid"].get<int>(), 0) == 0);
    }
  }
  require_list_agrees(f, id, expected);
  if (fault_figure.empty()) return;  // no fault point was hit: nothing to report
  fault_figure += expected.empty() ? ": state says it does not exist" : ": state says " + expected;
}

// delete --force works (and does not hang on a lock the killed minirun held), and nothing is left.
void require_delete_cleans(const Fixture& f, const std::string& id, const json& config) {
  auto deleted = f.minirun({"delete", "--force", id}, std::chrono::seconds(20));
  INFO(deleted.err);
  CHECK(deleted.status == 0);
  CHECK_FALSE(harness::path_exists(f.state_root() + "/" + id));
  CHECK_FALSE(harness::path_exists(pids_cgroup_of(config)));
  CHECK(f.minirun({"state", id}).status != 0);
  if (!fault_figure.empty()) std::cout << "figure: fault: " << fault_figure << ", delete --force left nothing\n";
  fault_figure.clear();
}

// A "created" status is only true if start then works.
void require_startable_if_created(const Fixture& f, const std::string& id, const std::string& status) {
  if (status != "created") return;
  auto started = f.minirun({"start", id});
  INFO(started.err);
  CHECK(started.status == 0);
  f.wait_for_status(id, "running");
}

}  // namespace

TEST_CASE("fault: create SIGKILLed at each phase: state is true, the ID is not lost, delete cleans", "[fault]") {
  harness::require_root();
  auto phase = GENERATE(as<std::string>{}, "create:state-dir-made", "create:state-recorded", "create:cgroup-made",
                        "create:init-cloned", "create:init-ready", "create:state-written");
  INFO("phase " << phase);
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  f.write_config(config);
  kill_minirun_at(f, phase, {"create", "--bundle", f.bundle(), "c"});
  require_truthful_state(f, "c", kStatusAfter.at(phase), config);

  // As with runc: the directory is there, so the ID is taken until delete.
  auto again = f.minirun({"create", "--bundle", f.bundle(), "c"});
  require_one_error_line(again, "create");
  CHECK_THAT(again.err, Catch::Contains("container \"c\" already exists"));

  require_startable_if_created(f, "c", kStatusAfter.at(phase));
  require_delete_cleans(f, "c", config);
  f.create("c", config);  // the ID is free again
  f.remove("c");
}

TEST_CASE("fault: start SIGKILLed before and after it releases the init", "[fault]") {
  harness::require_root();
  auto phase = GENERATE(as<std::string>{}, "start:fifo-opened", "start:init-released");
  INFO("phase " << phase);
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  f.create("s", config);
  kill_minirun_at(f, phase, {"start", "s"});
  require_truthful_state(f, "s", kStatusAfter.at(phase), config);
  // The killed start held the container's lock: a second start must not hang on it.
  require_startable_if_created(f, "s", kStatusAfter.at(phase));
  if (kStatusAfter.at(phase) == "running") CHECK(f.minirun({"start", "s"}).status != 0);
  require_delete_cleans(f, "s", config);
}

TEST_CASE("fault: run SIGKILLed at each phase of create, start and wait", "[fault]") {
  harness::require_root();
  auto phase = GENERATE(as<std::string>{}, "create:state-dir-made", "create:state-recorded", "create:cgroup-made",
                        "create:init-cloned", "create:init-ready", "create:state-written", "start:fifo-opened",
                        "start:init-released", "run:waiting");
  INFO("phase " << phase);
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  f.write_config(config);
  kill_minirun_at(f, phase, {"run", "--bundle", f.bundle(), "r"});
  require_truthful_state(f, "r", kStatusAfter.at(phase), config);
  require_startable_if_created(f, "r", kStatusAfter.at(phase));
  require_delete_cleans(f, "r", config);
}

TEST_CASE("fault: run SIGKILLed after its container exited: stopped, delete cleans", "[fault]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"true"});
  f.write_config(config);
  kill_minirun_at(f, "run:exited", {"run", "--bundle", f.bundle(), "x"});
  require_truthful_state(f, "x", "stopped", config);
  require_delete_cleans(f, "x", config);
}

TEST_CASE("fault: run --rootfs SIGKILLed with its overlay set up: delete removes upper and work", "[fault]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string id = Fixture::unique("fault-overlay");
  json config = {{"linux", {{"cgroupsPath", "/minirun-" + id}}}};  // the cgroup `run --rootfs` makes
  kill_minirun_at(f, "create:init-ready", {"run", "--rootfs", kRootfs, id, "--", "/bin/probe", "sleep", "100"});
  CHECK(harness::path_exists(f.state_root() + "/" + id + "/upper"));
  require_truthful_state(f, id, "stopped", config);
  require_delete_cleans(f, id, config);
}

TEST_CASE("fault: delete SIGKILLed while it holds the lock: the next delete --force finishes", "[fault]") {
  harness::require_root();
  auto phase = GENERATE(as<std::string>{}, "delete:init-killed", "delete:cgroup-removed");
  INFO("phase " << phase);
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  f.create_and_start("d", config);
  kill_minirun_at(f, phase, {"delete", "--force", "d"});
  f.wait_for_status("d", "stopped");  // the init was SIGKILLed before the fault point
  require_truthful_state(f, "d", "stopped", config);
  require_delete_cleans(f, "d", config);
}

// cgroup:moving-process kills whatever is about to be moved into a container's cgroup. On cgroup v2 nothing
// is (the stage is born there: clone3 with CLONE_INTO_CGROUP), so run and exec do not notice it; on v1 the
// stage dies, and run and exec fail with one line, leaving nothing and the running container untouched.
TEST_CASE("fault: no process is moved into a cgroup v2 and a stage killed moving into a v1 cgroup leaves nothing",
          "[fault][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  auto with_fault = [&](const std::vector<std::string>& args) {
    auto result = f.minirun_at(f.state_root(), args, {{"MINIRUN_FAULT", "cgroup:moving-process"}});
    INFO(args.front() << ": " << result.err);
    if (cgroup_v2()) {
      CHECK(result.status == 0);
    } else {
      require_one_error_line(result, args.front());
    }
  };
  f.write_config(f.default_config({"true"}));
  with_fault({"run", "--bundle", f.bundle(), "m"});
  CHECK(f.containers().empty());

  f.create_and_start("e", f.default_config(kSleep));
  with_fault({"exec", "e", "--", "/bin/true"});
  CHECK(f.state("e")["status"] == "running");
  f.remove("e");
}

TEST_CASE("fault: a created container whose init is SIGKILLed from outside is stopped for good", "[fault]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  f.create("k", config);
  int pid = f.state("k")["pid"];
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(gone(pid));
  require_truthful_state(f, "k", "stopped", config);
  auto started = f.minirun({"start", "k"});
  require_one_error_line(started, "start");
  CHECK_THAT(started.err, Catch::Contains("stopped"));
  auto deleted = f.minirun({"delete", "k"});  // stopped: no --force needed
  INFO(deleted.err);
  CHECK(deleted.status == 0);
  CHECK(f.containers().empty());
  CHECK_FALSE(harness::path_exists(pids_cgroup_of(config)));
  std::cout << "figure: fault: a created container's init killed from outside: state says stopped, delete left nothing\n";
}

TEST_CASE("fault: a dead init's PID reused by another process is not taken for the container", "[fault]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  f.create_and_start("p", config);
  int init = f.state("p")["pid"];
  // PID reuse, made on purpose: the record now names a live process that is not the init (its
  // start time differs), and the init itself is gone. Start times count clock ticks (10 ms): a
  // stranger born in the init's own tick could not be told apart, and a real reuse of the PID
  // takes a wrap-around of the PID space, far longer than a tick.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  auto stranger = harness::Child::spawn({"/bin/sleep", "60"});
  std::string state_file = f.state_root() + "/p/state.json";
  json record = json::parse(*harness::read_file(state_file));
  record["pid"] = stranger.pid();
  harness::write_file(state_file, record.dump());
  REQUIRE(::kill(init, SIGKILL) == 0);
  REQUIRE(gone(init));

  json state = f.state("p");
  CHECK(state["status"] == "stopped");
  CHECK(state["pid"] == 0);
  require_list_agrees(f, "p", "stopped");
  CHECK(f.minirun({"kill", "p", "KILL"}).status != 0);  // must not hit the stranger
  require_delete_cleans(f, "p", config);
  CHECK(::kill(stranger.pid(), 0) == 0);  // delete --force left the stranger alone
  std::cout << "figure: fault: the dead init's PID now another process's: state says stopped, that process untouched\n";
}

namespace {

// A tmpfs of 64 KiB, filled to the last block: every write on it fails with ENOSPC.
class FullTmpfs {
 public:
  explicit FullTmpfs(std::string path) : path_(std::move(path)) {
    REQUIRE(::mkdir(path_.c_str(), 0755) == 0);
    REQUIRE(::mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=64k") == 0);
    fill();
  }
  ~FullTmpfs() {
    if (::umount2(path_.c_str(), 0) == -1) FAIL_CHECK("umount " << path_ << ": " << std::strerror(errno));
  }
  FullTmpfs(const FullTmpfs&) = delete;
  FullTmpfs& operator=(const FullTmpfs&) = delete;
  const std::string& path() const { return path_; }

 private:
  void fill() const {
    std::string filler = path_ + "/filler";
    int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    char block[4096] = {};
    while (::write(fd, block, sizeof block) > 0) {
    }
    int err = errno;
    ::close(fd);
    REQUIRE(err == ENOSPC);
  }
  std::string path_;
};

}  // namespace

TEST_CASE("fault: a full state directory: create and run fail with ENOSPC and leave nothing", "[fault]") {
  harness::require_root();
  Fixture f;
  FullTmpfs full(f.path("full"));
  harness::LeakGuard guard;  // after the mount: the tmpfs is the test's own
  json config = f.default_config(kSleep);
  f.write_config(config);
  for (const std::string verb : {"create", "run"}) {
    INFO(verb);
    auto result = f.minirun_at(full.path(), {verb, "--bundle", f.bundle(), "full"});
    require_one_error_line(result, verb);
    CHECK(result.status == (verb == "run" ? 125 : 1));
    CHECK_THAT(result.err, Catch::Contains("No space left on device"));
    CHECK(harness::list_directory(full.path()) == std::vector<std::string>{"filler"});
    CHECK_FALSE(harness::path_exists(pids_cgroup_of(config)));
    CHECK_FALSE(harness::path_exists(cgroup_dir("memory", config["linux"]["cgroupsPath"].get<std::string>())));
  }
  CHECK(guard.check().empty());
  std::cout << "figure: fault: a full state directory: create and run refused with ENOSPC, nothing left\n";
}

TEST_CASE("fault: while create is at work the container is creating, in state and list alike", "[fault]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  std::string go = f.path("go");
  // A createRuntime hook (run by minirun on the host) that holds create until the test says go.
  config["hooks"] = {{"createRuntime", {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.05; done"}}}}}};
  f.write_config(config);
  auto creating = f.spawn({"create", "--bundle", f.bundle(), "w"}, false);
  f.wait_for_status("w", "creating");
  require_list_agrees(f, "w", "creating");
  auto started = f.minirun({"start", "w"});
  require_one_error_line(started, "start");
  CHECK_THAT(started.err, Catch::Contains("being created"));
  CHECK(f.minirun({"kill", "w", "KILL"}).status != 0);
  CHECK(f.minirun({"delete", "w"}).status != 0);  // not without --force
  harness::write_file(go, "");
  CHECK(creating.wait().status == 0);
  CHECK(f.state("w")["status"] == "created");
  f.remove("w");
  std::cout << "figure: fault: create still at work: state and list say creating, start, kill and delete refused\n";
}
