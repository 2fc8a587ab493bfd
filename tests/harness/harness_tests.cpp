// Tests of the harness itself and of the probe. Most need no root, so they run for everyone.
#include "files.hpp"
#include "leak_guard.hpp"
#include "sandbox.hpp"
#include "process.hpp"
#include "procfs.hpp"
#include "session.hpp"

#include <catch2/catch.hpp>

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

using namespace harness;

namespace {

// Runs one hidden test case of this executable in a child process, to see the harness fail it.
Result run_demo(const std::string& name, const std::string& pid_file) {
  return run({"/proc/self/exe", name}, 60s, std::nullopt, {{"HARNESS_DEMO_PID_FILE", pid_file}});
}

// Gone, or killed and only waiting to be reaped by whoever inherited it.
bool process_gone(pid_t pid) {
  reap_exited_children();
  auto state = state_of(pid);
  return !state || *state == 'Z';
}

pid_t pid_from(const std::string& path) {
  auto text = read_file(path);
  REQUIRE(text);
  return std::stoi(*text);
}

const char* demo_pid_file() {
  const char* path = std::getenv("HARNESS_DEMO_PID_FILE");
  if (path == nullptr) FAIL("a demo is run by another test, which sets HARNESS_DEMO_PID_FILE");
  return path;
}

}  // namespace

TEST_CASE("run returns stdout, stderr and the exit status") {
  auto result = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(result.out == "out\n");
  CHECK(result.err == "err\n");
  CHECK(result.status == 3);
}

TEST_CASE("run reports death by signal N as 128+N") {
  CHECK(run({"sh", "-c", "kill -KILL $$"}).status == 137);
}

TEST_CASE("run feeds stdin") {
  CHECK(run({"cat"}, 10s, "fed on stdin").out == "fed on stdin");
}

TEST_CASE("run reports a missing program as 127") {
  CHECK(run({"/no/such/program"}).status == 127);
}

// The demos are hidden ([.]): each one fails on purpose, and the test after it checks how.
TEST_CASE("demo: a command that hangs", "[.][demo]") {
  std::string pid_file = demo_pid_file();
  run({"sh", "-c", "sleep 600 & echo $! > " + pid_file + "; wait"}, 1s);
}

TEST_CASE("a command that hangs fails the test and its whole process group is killed") {
  TempDir tmp;
  auto demo = run_demo("demo: a command that hangs", tmp / "pid");
  CHECK(demo.status != 0);
  CHECK(demo.out.find("timed out after 1 s") != std::string::npos);
  CHECK(process_gone(pid_from(tmp / "pid")));
}

TEST_CASE("demo: a test that leaves a process behind", "[.][demo]") {
  LeakGuard guard;
  pid_t child = fork();
  REQUIRE(child != -1);
  if (child == 0) {
    pause();
    _exit(0);
  }
  write_file(demo_pid_file(), std::to_string(child));
}

TEST_CASE("LeakGuard fails a test that leaves a process, and kills it") {
  TempDir tmp;
  auto demo = run_demo("demo: a test that leaves a process behind", tmp / "pid");
  CHECK(demo.status != 0);
  pid_t leaked = pid_from(tmp / "pid");
  CHECK(demo.out.find("process left behind: process " + std::to_string(leaked)) != std::string::npos);
  CHECK(process_gone(leaked));
}

TEST_CASE("LeakGuard names new mounts, cgroups, files and processes") {
  Snapshot before;
  before.mounts[{"/", "ext4", "/dev/vda1"}] = 1;
  before.cgroups = {"/sys/fs/cgroup/memory/system.slice"};
  Snapshot after = before;
  after.mounts[{"/", "ext4", "/dev/vda1"}] = 2;
  after.mounts[{"/tmp/x", "overlay", "overlay"}] = 1;
  after.cgroups.insert("/sys/fs/cgroup/memory/step04-42");
  after.stage_files.insert("/tmp/step05-upper");
  after.processes.insert(4242);
  auto leaks = leaks_between(before, after);
  REQUIRE(leaks.size() == 5);
  CHECK(leaks[0] == "mount left behind: ext4 /dev/vda1 on /");
  CHECK(leaks[1] == "mount left behind: overlay overlay on /tmp/x");
  CHECK(leaks[2] == "cgroup left behind: /sys/fs/cgroup/memory/step04-42");
  CHECK(leaks[3] == "file left behind: /tmp/step05-upper");
  CHECK(leaks[4].starts_with("process left behind: process 4242"));
  CHECK(leaks_between(after, before).empty());
}

TEST_CASE("LeakGuard accepts minirun's state root made on first use, but not a container's state in it") {
  Snapshot before;
  Snapshot after;
  after.stage_files = {"/run/minirun", "/run/minirun/c1", "/run/minirun-other"};
  auto leaks = leaks_between(before, after);
  REQUIRE(leaks.size() == 2);
  CHECK(leaks[0] == "file left behind: /run/minirun-other");
  CHECK(leaks[1] == "file left behind: /run/minirun/c1");
}

TEST_CASE("LeakGuard leaves alone a new cgroup that holds other people's processes") {
  Snapshot before;
  Snapshot after;
  after.cgroups = {"/sys/fs/cgroup/memory/someone-else", "/sys/fs/cgroup/memory/step04-42"};
  after.foreign_cgroups = {"/sys/fs/cgroup/memory/someone-else"};
  auto leaks = leaks_between(before, after);
  REQUIRE(leaks.size() == 1);
  CHECK(leaks[0] == "cgroup left behind: /sys/fs/cgroup/memory/step04-42");
}

TEST_CASE("tree_checksum changes with content, names and modes") {
  TempDir tmp;
  write_file(tmp / "a", "one");
  auto first = tree_checksum(tmp.path());
  CHECK(tree_checksum(tmp.path()) == first);
  write_file(tmp / "a", "two");
  auto second = tree_checksum(tmp.path());
  CHECK(second != first);
  REQUIRE(chmod((tmp / "a").c_str(), 0600) == 0);
  CHECK(tree_checksum(tmp.path()) != second);
}

TEST_CASE("descendants_of finds grandchildren") {
  Child child = Child::spawn({"sh", "-c", "sleep 600 & echo $!; wait"});
  pid_t grandchild = std::stoi(child.read_line());
  auto below = descendants_of(getpid());
  CHECK(std::find(below.begin(), below.end(), child.pid()) != below.end());
  CHECK(std::find(below.begin(), below.end(), grandchild) != below.end());
  CHECK(parent_of(grandchild) == child.pid());
  kill_and_reap({grandchild});
  CHECK(child.wait().status == 0);
}

// --- the probe, outside any container ----------------------------------------------------------

TEST_CASE("probe: usage errors exit 2") {
  CHECK(run({HARNESS_PROBE}).status == 2);
  CHECK(run({HARNESS_PROBE, "no-such-subcommand"}).status == 2);
  CHECK(run({HARNESS_PROBE, "cat"}).status == 2);
  CHECK(run({HARNESS_PROBE, "alloc", "12Q"}).status == 2);
}

TEST_CASE("probe: exit, pid and hostname") {
  CHECK(run({HARNESS_PROBE, "exit", "3"}).status == 3);
  auto pid = run({HARNESS_PROBE, "pid"});
  CHECK(pid.status == 0);
  CHECK(pid.out.find_first_not_of("0123456789\n") == std::string::npos);
  auto ppid = run({HARNESS_PROBE, "ppid"});
  CHECK(ppid.out == std::to_string(getpid()) + "\n");
  char name[256] = {};
  REQUIRE(gethostname(name, sizeof name) == 0);
  CHECK(run({HARNESS_PROBE, "hostname"}).out == std::string(name) + "\n");
}

TEST_CASE("probe: files") {
  TempDir tmp;
  std::string file = tmp / "file";
  CHECK(run({HARNESS_PROBE, "exists", file}).status == 1);
  CHECK(run({HARNESS_PROBE, "write", file, "text"}).status == 0);
  CHECK(read_file(file) == "text");
  CHECK(run({HARNESS_PROBE, "cat", file}).out == "text");
  CHECK(run({HARNESS_PROBE, "ls", tmp.path()}).out == "file\n");
  CHECK(run({HARNESS_PROBE, "exists", file}).status == 0);
  CHECK(run({HARNESS_PROBE, "rm", file}).status == 0);
  CHECK_FALSE(path_exists(file));
  auto touch = run({HARNESS_PROBE, "touch", "/proc/probe-cannot-create-this"});
  CHECK(touch.status == 1);
  CHECK(touch.out.find("ENOENT") != std::string::npos);
}

TEST_CASE("probe: ns, ps, cgroup and alloc") {
  auto ns = run({HARNESS_PROBE, "ns"});
  CHECK(ns.status == 0);
  CHECK(ns.out.find("\npid ") != std::string::npos);
  auto ps = run({HARNESS_PROBE, "ps"});
  CHECK(ps.out.find("\n" + std::to_string(getpid()) + "\n") != std::string::npos);
  CHECK(run({HARNESS_PROBE, "cgroup"}).out == read_file("/proc/self/cgroup"));
  CHECK(run({HARNESS_PROBE, "alloc", "4M"}).out == "allocated 4194304\n");
}

TEST_CASE("probe: wait-stdin waits for the end of its input") {
  Child probe = Child::spawn({HARNESS_PROBE, "wait-stdin"});
  CHECK(probe.read_line() == "waiting");
  probe.write_stdin("ignored\n");
  auto result = probe.wait();
  CHECK(result.status == 0);
  CHECK(result.out == "waiting\nstdin closed\n");
}

// The two tests below need root: they make mount namespaces and mounts (inside a sandbox only).
TEST_CASE("a mount sandbox catches a mount that propagates, and the host never sees it") {
  require_root();
  TempDir dir;
  {
    Sandbox sandbox;
    // What a container that forgets MS_PRIVATE does: a new mount namespace, propagation unchanged.
    pid_t child = fork();
    REQUIRE(child != -1);
    if (child == 0) {
      bool mounted = unshare(CLONE_NEWNS) == 0 &&
                     mount("sandbox-propagation", std::string(dir.path()).c_str(), "tmpfs", 0, nullptr) == 0;
      _exit(mounted ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    auto seen = sandbox.mountinfo();
    REQUIRE(seen);
    CHECK(seen->find("sandbox-propagation") != std::string::npos);
    CHECK(read_file("/proc/self/mountinfo") == seen);
  }
  CHECK(read_file("/proc/self/mountinfo").value_or("").find("sandbox-propagation") == std::string::npos);
}

TEST_CASE("LeakGuard fails loudly when /proc is not the host's") {
  require_root();
  Sandbox sandbox;
  // A tmpfs over /proc: like a container's proc that propagated onto it, /proc/self is missing.
  REQUIRE(mount("tmpfs", "/proc", "tmpfs", 0, nullptr) == 0);
  CHECK_THROWS_WITH(Snapshot::take(), Catch::Contains("host /proc unreadable: did a proc mount propagate onto it?"));
  CHECK(sandbox.mountinfo().value_or("").find("tmpfs tmpfs") != std::string::npos);  // read through the old /proc
  REQUIRE(umount("/proc") == 0);
  CHECK_NOTHROW(Snapshot::take());
}
