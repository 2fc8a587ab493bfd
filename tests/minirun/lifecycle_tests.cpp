// minirun's lifecycle as runc users and engines drive it: create, start, state, kill, exec, ps,
// list, delete, run. Every test checks that nothing is left behind (LeakGuard).

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

using namespace minirun_tests;
using nlohmann::json;

namespace {

// An init that waits until /tmp/go exists (made with exec), then exits 0.
const std::vector<std::string> kWaitForGo = {"sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done"};

}  // namespace

TEST_CASE("create, start, exit on its own, delete: state follows every phase", "[lifecycle]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create("life", f.default_config(kWaitForGo));
  json state = f.state("life");
  CHECK(state["status"] == "created");
  CHECK(state["ociVersion"] == "1.0.2");
  CHECK(state["id"] == "life");
  CHECK(state["bundle"] == f.bundle());
  CHECK(state["rootfs"] == kRootfs);
  CHECK(state["owner"] == "root");
  CHECK(state["annotations"].is_object());
  CHECK_THAT(state["created"].get<std::string>(), Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)"));
  int pid = state["pid"];
  CHECK(pid > 0);
  CHECK(kill(pid, 0) == 0);

  REQUIRE(f.minirun({"start", "life"}).status == 0);
  CHECK(f.state("life")["status"] == "running");
  CHECK(f.minirun({"start", "life"}).status != 0);  // only once

  REQUIRE(f.minirun({"exec", "life", "--", "touch", "/tmp/go"}).status == 0);
  f.wait_for_status("life", "stopped");
  CHECK(f.state("life")["pid"] == 0);

  auto deleted = f.minirun({"delete", "life"});
  INFO(deleted.err);
  CHECK(deleted.status == 0);
  CHECK(f.containers().empty());
  CHECK_THAT(f.minirun({"state", "life"}).err, Catch::Contains("container \"life\" does not exist"));
}

TEST_CASE("a container whose init is killed from outside is stopped, and delete cleans up", "[lifecycle]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("outside", f.default_config(kSleep));
  int pid = f.state("outside")["pid"];
  REQUIRE(kill(pid, SIGKILL) == 0);
  f.wait_for_status("outside", "stopped");
  CHECK(f.minirun({"delete", "outside"}).status == 0);
  CHECK(f.containers().empty());
}

TEST_CASE("kill takes signal names and numbers", "[lifecycle][kill]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  // PID 1 of a namespace only gets the signals it has a handler for: this one exits on TERM.
  f.create_and_start("by-name", f.default_config({"sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done"}));
  f.create_and_start("by-number", f.default_config(kSleep));
  f.create_and_start("by-sig-name", f.default_config(kSleep));

  CHECK(f.minirun({"kill", "by-name", "TERM"}).status == 0);
  CHECK(f.minirun({"kill", "by-number", "9"}).status == 0);
  CHECK(f.minirun({"kill", "by-sig-name", "SIGKILL"}).status == 0);
  f.wait_for_status("by-name", "stopped");
  f.wait_for_status("by-number", "stopped");
  f.wait_for_status("by-sig-name", "stopped");
  CHECK(f.minirun({"kill", "by-number", "KILL"}).status != 0);  // not running any more

  for (const char* id : {"by-name", "by-number", "by-sig-name"}) CHECK(f.minirun({"delete", id}).status == 0);
  CHECK(f.containers().empty());
}

TEST_CASE("kill --all signals every process of the container", "[lifecycle][kill]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("all", f.default_config(kSleep));
  REQUIRE(f.minirun({"exec", "--detach", "all", "--", "/bin/probe", "sleep", "100"}).status == 0);
  CHECK(f.minirun({"kill", "--all", "all", "KILL"}).status == 0);
  f.wait_for_status("all", "stopped");
  f.remove("all");
}

TEST_CASE("delete refuses a running container, --force kills it and removes everything", "[lifecycle]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("busy", f.default_config(kSleep));
  int pid = f.state("busy")["pid"];
  auto refused = f.minirun({"delete", "busy"});
  require_one_error_line(refused, "delete");
  CHECK_THAT(refused.err, Catch::Contains("not stopped"));
  CHECK(f.state("busy")["status"] == "running");

  CHECK(f.minirun({"delete", "--force", "busy"}).status == 0);
  CHECK(gone(pid));
  CHECK(f.containers().empty());
}

TEST_CASE("a created container can be deleted without starting it", "[lifecycle]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create("never", f.default_config(kSleep));
  int pid = f.state("never")["pid"];
  CHECK(f.minirun({"delete", "never"}).status == 0);
  CHECK(gone(pid));
  CHECK(f.containers().empty());
}

TEST_CASE("exec runs in the container and gives the status back", "[lifecycle][exec]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  config["hostname"] = "exec-host";
  f.create_and_start("ex", config);

  auto status = f.minirun({"exec", "ex", "--", "sh", "-c", "exit 5"});
  CHECK(status.status == 5);

  auto inside = f.minirun({"exec", "ex", "--", "/bin/probe", "hostname"});
  CHECK(inside.status == 0);
  CHECK(harness::trim(inside.out) == "exec-host");

  auto pid = f.minirun({"exec", "ex", "--", "/bin/probe", "pid"});
  CHECK(harness::trim(pid.out) != "1");  // PID 1 is the init; exec'd processes join its namespace

  harness::write_file(f.path("process.json"), R"({"args": ["/bin/probe", "exit", "6"], "cwd": "/"})");
  CHECK(f.minirun({"exec", "--process", f.path("process.json"), "ex"}).status == 6);

  auto missing = f.minirun({"exec", "ex", "--", "/no/such/program"});
  CHECK(missing.status == 127);
  CHECK_THAT(missing.err, Catch::Contains("/no/such/program"));
  f.remove("ex");
}

TEST_CASE("exec --detach writes the pid file and returns", "[lifecycle][exec]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("detach", f.default_config(kSleep));
  auto result = f.minirun({"exec", "--detach", "--pid-file", f.path("exec.pid"), "detach", "--", "/bin/probe", "sleep", "100"});
  REQUIRE(result.status == 0);
  int pid = std::stoi(*harness::read_file(f.path("exec.pid")));
  CHECK(kill(pid, 0) == 0);
  f.remove("detach");
  CHECK(gone(pid));
}

TEST_CASE("ps lists the container's processes", "[lifecycle][ps]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("ps", f.default_config(kSleep));
  int init = f.state("ps")["pid"];
  REQUIRE(f.minirun({"exec", "--detach", "--pid-file", f.path("x.pid"), "ps", "--", "/bin/probe", "sleep", "100"}).status == 0);
  int second = std::stoi(*harness::read_file(f.path("x.pid")));

  auto listed = json::parse(f.minirun({"ps", "--format", "json", "ps"}).out);
  std::vector<int> pids = listed.get<std::vector<int>>();
  CHECK(std::find(pids.begin(), pids.end(), init) != pids.end());
  CHECK(std::find(pids.begin(), pids.end(), second) != pids.end());

  auto table = f.minirun({"ps", "ps"});
  CHECK_THAT(table.out, Catch::StartsWith("PID") && Catch::Contains(std::to_string(init)));
  f.remove("ps");
  CHECK(gone(second));
  CHECK(gone(init));
}

TEST_CASE("list shows every container and --format json parses", "[lifecycle][list]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create("one", f.default_config(kSleep));
  f.create_and_start("two", f.default_config(kSleep));

  auto table = f.minirun({"list"});
  CHECK_THAT(table.out, Catch::StartsWith("ID") && Catch::Contains("one") && Catch::Contains("two"));
  json listed = f.list();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["id"] == "one");
  CHECK(listed[0]["status"] == "created");
  CHECK(listed[1]["id"] == "two");
  CHECK(listed[1]["status"] == "running");
  f.remove("one");
  f.remove("two");
  CHECK(f.list().empty());
}

TEST_CASE("run waits, returns the status and deletes the container", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  auto result = f.run("fg", f.default_config({"sh", "-c", "echo out; exit 3"}));
  CHECK(result.status == 3);
  CHECK(harness::trim(result.out) == "out");
  CHECK(f.containers().empty());
}

TEST_CASE("run returns 128+N when the container is killed by signal N", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.write_config(f.default_config(kSleep));
  auto running = f.spawn({"run", "--bundle", f.bundle(), "--pid-file", f.path("init.pid"), "sig"});
  f.wait_for_status("sig", "running");
  REQUIRE(f.minirun({"kill", "sig", "KILL"}).status == 0);
  CHECK(running.wait().status == 128 + SIGKILL);
  CHECK(f.containers().empty());
}

TEST_CASE("run forwards its signals to the container", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.write_config(f.default_config({"sh", "-c", "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done"}));
  auto running = f.spawn({"run", "--bundle", f.bundle(), "fwd"});
  CHECK(running.read_line() == "ready");
  REQUIRE(kill(running.pid(), SIGTERM) == 0);
  CHECK(running.wait().status == 42);
  CHECK(f.containers().empty());
}

TEST_CASE("run -d leaves the container running", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.write_config(f.default_config(kSleep));
  auto result = f.minirun({"run", "-d", "--bundle", f.bundle(), "bg"});
  REQUIRE(result.status == 0);
  CHECK(f.state("bg")["status"] == "running");
  f.remove("bg");
}

TEST_CASE("after a SIGKILLed minirun run, delete --force leaves nothing", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.write_config(f.default_config(kSleep));
  auto running = f.spawn({"run", "--bundle", f.bundle(), "orphan"}, false);
  f.wait_for_status("orphan", "running");
  REQUIRE(kill(running.pid(), SIGKILL) == 0);
  CHECK(running.wait().status == 128 + SIGKILL);
  CHECK(f.state("orphan")["status"] == "running");  // the container outlives the runtime, as with runc
  f.remove("orphan");
}

TEST_CASE("run --rootfs: the tutorial's short form never writes to the rootfs", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string before = harness::tree_checksum(kRootfs);
  auto result = f.minirun({"run", "--rootfs", kRootfs, "--hostname", "short", Fixture::unique("quick"), "--", "sh", "-c",
                           "echo changed > /etc/new-file && hostname && cat /etc/new-file"});
  INFO(result.err);
  CHECK(result.status == 0);
  CHECK(result.out == "short\nchanged\n");
  CHECK(harness::tree_checksum(kRootfs) == before);
  CHECK(f.containers().empty());
}

// The merged root is the overlay's upper directory, which minirun makes: it takes the top layer's
// mode and owner, so that / is what the root file system says it is.
TEST_CASE("run --rootfs: the container's / has the mode and owner of the top layer's root", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string rootfs = f.copy_of_rootfs();
  REQUIRE(::chmod(rootfs.c_str(), 0750) == 0);
  REQUIRE(::chown(rootfs.c_str(), 0, 65534) == 0);
  auto result = f.minirun({"run", "--rootfs", rootfs, Fixture::unique("root-mode"), "--", "stat", "-c", "%a %u:%g", "/"});
  INFO(result.err);
  CHECK(result.out == "750 0:65534\n");
  CHECK(f.containers().empty());
}

TEST_CASE("run --rootfs --memory: an OOM kill is reported and gives 137", "[lifecycle][run][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  auto result = f.minirun({"run", "--rootfs", kRootfs, "--memory", "32M", Fixture::unique("oom"), "--", "/bin/probe", "alloc", "256M"}, harness::Seconds(60));
  CHECK(result.status == 137);
  CHECK_THAT(result.err, Catch::Contains("killed by the OOM killer"));
  CHECK(f.containers().empty());
}

TEST_CASE("errors can be JSON lines in a log file", "[lifecycle][log]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string log = f.path("log.json");
  auto result = f.minirun({"--log", log, "--log-format", "json", "state", "ghost"});
  CHECK(result.status != 0);
  json line = json::parse(*harness::read_file(log));
  CHECK(line["level"] == "error");
  CHECK_THAT(line["msg"].get<std::string>(), Catch::Contains("container \"ghost\" does not exist"));
  CHECK(line.contains("time"));
}

TEST_CASE("a pid that now belongs to another process is not taken for the container", "[lifecycle][state]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("reuse", f.default_config(kSleep));
  // Make the recorded start time disagree with the process's, as when the init died and the
  // kernel gave its pid to a newer process.
  std::string path = f.state_root() + "/reuse/state.json";
  json saved = json::parse(*harness::read_file(path));
  saved["minirun"]["startTime"] = saved["minirun"]["startTime"].get<uint64_t>() + 1;
  harness::write_file(path, saved.dump());
  json state = f.state("reuse");
  CHECK(state["status"] == "stopped");
  CHECK(state["pid"] == 0);
  CHECK(f.minirun({"kill", "reuse", "KILL"}).status != 0);  // never signals a stranger
  f.remove("reuse");  // the cgroup is still emptied: the real init goes with it
}

TEST_CASE("run --no-pivot: chroot instead of pivot_root, exec still lands inside", "[lifecycle][run]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string id = Fixture::unique("chroot");
  REQUIRE(f.minirun({"run", "-d", "--no-pivot", "--rootfs", kRootfs, id, "--", "/bin/probe", "sleep", "100"}).status == 0);
  auto inside = f.minirun({"exec", id, "--", "/bin/probe", "exists", "/bin/probe"});
  CHECK(inside.status == 0);
  auto root = f.minirun({"exec", id, "--", "/bin/probe", "ls", "/"});
  CHECK_THAT(root.out, !Catch::Contains("home") && Catch::Contains("bin"));
  f.remove_with_init(id);
}

TEST_CASE("spec writes runc's default config.json and never overwrites one", "[lifecycle][spec]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  REQUIRE(f.minirun({"spec", "--bundle", f.bundle()}).status == 0);
  json config = json::parse(*harness::read_file(f.bundle() + "/config.json"));
  CHECK(config["ociVersion"] == "1.0.2");
  CHECK(config["process"]["args"] == json::array({"sh"}));
  CHECK(config["root"]["path"] == "rootfs");
  auto again = f.minirun({"spec", "--bundle", f.bundle()});
  require_one_error_line(again, "spec");
  CHECK_THAT(again.err, Catch::Contains("File exists"));
}
