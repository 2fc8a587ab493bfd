// Rows of the isolation matrix from step07 on: entering a running container (docker exec).
#include "stage.hpp"

#include "../harness/files.hpp"
#include "../harness/procfs.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

using namespace matrix;

namespace {

// A container held open by `probe wait-stdin`: it runs until stop() closes its input.
class RunningContainer {
 public:
  explicit RunningContainer(Matrix& m) : m_(m), step_(m.start(options(m), m.probe({"wait-stdin"}))) {
    REQUIRE(step_.read_line() == "waiting");
    init_ = m.container_init(step_);
  }

  pid_t init() const { return init_; }
  std::string pid_file() const { return m_.tmp() / "init.pid"; }

  Result exec(const std::vector<std::string>& args) {
    auto argv = m_.exec_argv(init_, m_.probe(args));
    auto result = harness::run(argv);
    UNSCOPED_INFO("exec: " << harness::describe(argv) << "\n  exit status " << result.status << "\n  stdout: "
                           << result.out << "\n  stderr: " << result.err);
    return result;
  }

  Result stop() { return step_.wait(); }

 private:
  static Options options(const Matrix& m) {
    Options options;
    options.hostname = "matrix-exec";
    options.memory = "64M";
    options.pid_file = m.tmp() / "init.pid";
    return options;
  }

  Matrix& m_;
  Child step_;
  pid_t init_ = -1;
};

std::string ns_inode(pid_t pid, const std::string& name) {
  struct stat info {};
  if (stat(("/proc/" + std::to_string(pid) + "/ns/" + name).c_str(), &info) == -1) return "missing";
  return std::to_string(info.st_ino);
}

}  // namespace

TEST_CASE("run --pid-file records the container's init", "[from-step07]") {
  Matrix m;
  RunningContainer container(m);
  // The file may be written a moment after the init started; the deadline makes waiting safe.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!harness::path_exists(container.pid_file()) && std::chrono::steady_clock::now() < deadline) {
    usleep(10000);
  }
  CHECK(harness::trim(harness::read_file(container.pid_file()).value_or("")) == std::to_string(container.init()));
  CHECK(container.stop().status == 0);
}

TEST_CASE("exec sees the container's hostname and files", "[from-step07]") {
  Matrix m;
  std::string marker = m.tmp() / "host-only-marker";
  harness::write_file(marker, "on the host\n");
  RunningContainer container(m);
  auto hostname = container.exec({"hostname"});
  CHECK(hostname.status == 0);
  CHECK(hostname.out == "matrix-exec\n");
  CHECK(container.exec({"write", "/made-by-exec", "inside"}).status == 0);
  CHECK(harness::read_file("/proc/" + std::to_string(container.init()) + "/root/made-by-exec") == "inside");
  CHECK(container.exec({"exists", marker}).status == 1);
  CHECK(container.stop().status == 0);
}

TEST_CASE("exec sees the container's processes", "[from-step07]") {
  Matrix m;
  RunningContainer container(m);
  auto ps = container.exec({"ps"});
  REQUIRE(ps.status == 0);
  auto pids = harness::split_lines(ps.out);
  CHECK(std::find(pids.begin(), pids.end(), "1") != pids.end());
  CHECK(std::find(pids.begin(), pids.end(), std::to_string(getpid())) == pids.end());
  CHECK(pids.size() <= 3);  // the init, the exec'd probe, at most one helper
  CHECK(container.stop().status == 0);
}

namespace {

// The probe that `exec` started, seen from the host: exec itself when it did not fork, else below it.
pid_t probe_started_by(const Child& exec) {
  std::vector<pid_t> candidates{exec.pid()};
  auto below = harness::descendants_of(exec.pid());
  candidates.insert(candidates.end(), below.begin(), below.end());
  for (pid_t pid : candidates) {
    auto argv = harness::cmdline_of(pid);
    if (!argv.empty() && argv[0].ends_with("probe")) return pid;
  }
  FAIL("no probe below " << harness::describe(exec.argv()));
  return -1;
}

std::string namespace_meaning(const std::string& name) {
  std::string meaning = "the process started by exec is not in the container's " + name + " namespace";
  if (name == "pid") {
    meaning = "the process started by exec is not in the container's PID namespace: setns() into a PID namespace"
              " changes only where the caller's children go (fork after setns, and exec in the child)";
  }
  return meaning;
}

}  // namespace

TEST_CASE("exec joins every namespace of the container's init", "[from-step07]") {
  Matrix m;
  RunningContainer container(m);
  {
    // Seen from the host, the process exec started shares each namespace of the container's init.
    Child exec = Child::spawn(m.exec_argv(container.init(), m.probe({"wait-stdin"})));
    REQUIRE(exec.read_line() == "waiting");
    pid_t joined = probe_started_by(exec);
    for (const std::string name : {"pid", "mnt", "uts", "ipc", "net"}) {
      MATRIX_CHECK(ns_inode(joined, name) == ns_inode(container.init(), name), namespace_meaning(name));
    }
    exec.close_stdin();
    CHECK(exec.wait().status == 0);
  }
  auto ns = container.exec({"ns"});
  MATRIX_REQUIRE(ns.status == 0, "probe ns cannot read /proc/self/ns inside: the process started by exec does not"
                                 " see itself in the container's /proc (is it in the container's PID namespace?)");
  auto inside = parse_pairs(ns.out);
  for (const std::string name : {"pid", "mnt", "uts", "ipc", "net"}) CHECK(inside.contains(name));
  for (const auto& [name, inode] : inside) {
    INFO("namespace " << name);
    CHECK(inode == ns_inode(container.init(), name));
  }
  CHECK(container.stop().status == 0);
}

TEST_CASE("exec joins the container's cgroup", "[from-step07]") {
  Matrix m;
  RunningContainer container(m);
  auto own = container.exec({"cgroup"});
  auto init = container.exec({"cat", "/proc/1/cgroup"});
  REQUIRE(own.status == 0);
  REQUIRE(init.status == 0);
  CHECK(own.out == init.out);
  // Seen from the host, the container's init is in a cgroup of its own, not in the test's: so the
  // same view inside means the exec'd process joined that cgroup (inside a cgroup namespace both
  // read "/", which alone would prove nothing).
  CHECK(harness::read_file("/proc/" + std::to_string(container.init()) + "/cgroup") !=
        harness::read_file("/proc/self/cgroup"));
  CHECK(container.stop().status == 0);
}

TEST_CASE("the process started by exec is not PID 1 and its exit status comes back", "[from-step07]") {
  Matrix m;
  RunningContainer container(m);
  auto pid = container.exec({"pid"});
  CHECK(pid.status == 0);
  CHECK(pid.out != "1\n");
  CHECK(pid.out.find_first_not_of("0123456789\n") == std::string::npos);
  CHECK(container.exec({"exit", "7"}).status == 7);
  CHECK(container.exec({"exit", "0"}).status == 0);
  CHECK(container.stop().status == 0);
}

TEST_CASE("exec into a process that has exited is an error", "[from-step07][not-minirun]") {
  Matrix m;
  Child gone = Child::spawn({"true"});
  pid_t pid = gone.pid();
  REQUIRE(gone.wait().status == 0);
  REQUIRE_FALSE(harness::path_exists("/proc/" + std::to_string(pid)));
  auto result = harness::run(m.exec_argv(pid, m.probe({"pid"})));
  m.require_stage_error(result, "exec --pid " + std::to_string(pid) + " (exited)");
}
