// Rows of the isolation matrix from step01 on: the PID namespace and exit statuses.
#include "stage.hpp"

#include "../harness/files.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>

using namespace matrix;

TEST_CASE("the command runs as PID 1", "[from-step01]") {
  Matrix m;
  auto result = m.run(m.probe({"pid"}));
  CHECK(result.status == 0);
  MATRIX_CHECK(result.out == "1\n", kNotPidOne);
}

TEST_CASE("the command's exit status comes back", "[from-step01]") {
  Matrix m;
  CHECK(m.run(m.probe({"exit", "0"})).status == 0);
  CHECK(m.run(m.probe({"exit", "3"})).status == 3);
}

// 126 and 127 are what a shell reports; the steps promise them. minirun reports runc's way.
TEST_CASE("a command that cannot run gives 126, one that does not exist 127", "[from-step01][not-minirun]") {
  Matrix m;
  CHECK(m.run({"/etc/passwd"}).status == 126);  // there, but not executable
  CHECK(m.run({"/no/such/command"}).status == 127);
}

// PID 1 of a PID namespace ignores signals it has no handler for, even SIGKILL, when they come from
// inside its namespace; from the parent namespace SIGKILL always works.
TEST_CASE("SIGKILL of the container's init from the host gives 137", "[from-step01]") {
  Matrix m;
  Child step = m.start({}, m.probe({"wait-stdin"}));
  REQUIRE(step.read_line() == "waiting");
  pid_t init = m.container_init(step);
  REQUIRE(kill(init, SIGKILL) == 0);
  auto result = step.wait();
  INFO("stderr: " << result.err);
  CHECK(result.status == 137);
  CHECK(result.err.find("killed by the OOM killer") == std::string::npos);
}

// The lesson of step01 and step02: a new PID namespace alone does not hide the host's processes,
// because /proc is still the host's. step03 mounts a /proc of the container's own.
TEST_CASE("the host's processes are still visible through the host's /proc", "[from-step01][until-step02]") {
  Matrix m;
  auto result = m.run(m.probe({"ps"}));
  REQUIRE(result.status == 0);
  auto pids = harness::split_lines(result.out);
  MATRIX_CHECK((std::find(pids.begin(), pids.end(), std::to_string(getpid())) != pids.end() && pids.size() > 1),
               "the host's processes are not visible inside: until step03 the container keeps the host's /proc");
}

TEST_CASE("/proc lists only the container's processes", "[from-step03]") {
  Matrix m;
  auto result = m.run(m.probe({"ps"}));
  CHECK(result.status == 0);
  MATRIX_CHECK(result.out == "1\n",
               "the container's ps sees processes that are not its own: /proc inside is still the host's"
               " (mount a new proc on /proc inside the container's mount namespace)");
}
