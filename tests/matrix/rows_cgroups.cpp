// Rows of the isolation matrix from step04 on: memory, pids and cpu limits, and cgroup cleanup.
#include "stage.hpp"

#include "../harness/files.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <regex>

using namespace matrix;

TEST_CASE("allocating more than --memory is killed and reported as OOM", "[from-step04]") {
  Matrix m;
  Options options;
  options.memory = "32M";
  auto result = m.run(options, m.probe({"alloc", "128M"}), 60s);
  MATRIX_CHECK(result.out.find("allocated") == std::string::npos,
               "the memory limit did not hold: the command allocated 128M with --memory 32M (the limit must be"
               " written into the container's cgroup, and the container's process be in that cgroup, before the"
               " command runs)");
  CHECK(result.status == 137);
  MATRIX_CHECK(result.err.find("killed by the OOM killer") != std::string::npos,
               "the OOM kill was not reported (read the cgroup's OOM count once the container has ended)");
}

TEST_CASE("allocating less than --memory runs", "[from-step04]") {
  Matrix m;
  Options options;
  options.memory = "64M";
  auto result = m.run(options, m.probe({"alloc", "16M"}), 60s);
  CHECK(result.status == 0);
  CHECK(result.out == "allocated 16777216\n");
}

TEST_CASE("a fork bomb is held by --pids 20", "[from-step04]") {
  Matrix m;
  Options options;
  options.pids = "20";
  auto result = m.run(options, m.probe({"forkbomb"}), 60s);
  REQUIRE(result.status == 0);
  std::smatch match;
  MATRIX_REQUIRE(std::regex_search(result.out, match, std::regex("^forked ([0-9]+) before fork failed")),
                 "the fork bomb was not held: --pids 20 did not limit the container's processes");
  MATRIX_CHECK(std::stoi(match[1]) < 20, "the fork bomb made more processes than --pids 20 allows");
}

// Only step04 still sees the host's /sys. step05's chroot has no /sys at all, and from step06 on /sys
// is a plain sysfs with no cgroupfs, so a program there cannot read its limit; minirun mounts
// /sys/fs/cgroup like runc.
TEST_CASE("the cpu quota set with --cpus is what the container reads",
          "[from-step04][not-step05][not-step06][not-step07]") {
  Matrix m;
  Options options;
  options.cpus = "0.5";
  auto result = m.run(options, m.probe({"cpu-quota"}));
  REQUIRE(result.status == 0);
  std::smatch match;
  MATRIX_REQUIRE(std::regex_search(result.out, match, std::regex("^([0-9]+) ([0-9]+)\n$")),
                 "the container's cgroup has no CPU quota: --cpus 0.5 was not written into it");
  long quota = std::stol(match[1]);
  long period = std::stol(match[2]);
  MATRIX_CHECK(quota * 2 == period, "the CPU quota the container reads is not the half a CPU --cpus 0.5 asked for");
}

TEST_CASE("the container's cgroups are gone after it ends", "[from-step04]") {
  Matrix m;
  Options options;
  options.memory = "64M";
  options.pids = "50";
  options.cpus = "1";
  Child step = m.start(options, m.probe({"wait-stdin"}));
  REQUIRE(step.read_line() == "waiting");
  pid_t init = m.container_init(step);

  // The directories the container is in and the test is not: the ones the stage created.
  auto ours = cgroup_dirs_of(getpid());
  std::vector<std::string> created;
  for (const auto& [controllers, dir] : cgroup_dirs_of(init)) {
    if (ours[controllers] != dir) created.push_back(dir);
  }
  INFO("cgroups of the container: " << harness::read_file("/proc/" + std::to_string(init) + "/cgroup").value_or(""));
  MATRIX_REQUIRE(!created.empty(),
                 "the container is in no cgroup of its own: it runs in the test's cgroups, where no limit applies"
                 " (write its PID into the cgroup's cgroup.procs before the command runs)");
  for (const auto& dir : created) CHECK(harness::path_exists(dir));

  SECTION("when the command exits") {
    CHECK(step.wait().status == 0);
  }
  SECTION("when the command is killed") {
    REQUIRE(kill(init, SIGKILL) == 0);
    CHECK(step.wait().status == 137);
  }
  for (const auto& dir : created) {
    INFO("cgroup " << dir);
    MATRIX_CHECK(!harness::path_exists(dir),
                 "the container's cgroup is still there after the container ended (rmdir it once it is empty)");
  }
}

TEST_CASE("bad --memory, --pids and --cpus values are errors and nothing is created", "[from-step04]") {
  Matrix m;
  for (const std::string size : {"0", "-1", "12Q", "99999999999G", "abc", ""}) {
    Options options;
    options.memory = size;
    m.require_stage_error(m.run(options, m.probe({"pid"})), "--memory '" + size + "'");
  }
  for (const std::string count : {"0", "-1", "abc", "99999999999999999999"}) {
    Options options;
    options.pids = count;
    m.require_stage_error(m.run(options, m.probe({"pid"})), "--pids '" + count + "'");
  }
  for (const std::string cpus : {"0", "-1", "abc", "1e400"}) {
    Options options;
    options.cpus = cpus;
    m.require_stage_error(m.run(options, m.probe({"pid"})), "--cpus '" + cpus + "'");
  }
}
