// containerd drives minirun through its runc v2 shim (ctr run --runc-binary), as Kubernetes does
// through a RuntimeClass: the same commands with runc and with minirun give the same results.

#include "engines.hpp"

#include "../harness/leak_guard.hpp"

#include <catch2/catch.hpp>

using namespace engines;

namespace {

constexpr const char* kImage = Containerd::kImage;

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("ctr run --rm: output and exit status pass through", "[containerd]") {
  harness::LeakGuard guard;
  Containerd containerd;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    // The pause before the exit: ctr (1.6) may delete the task, closing its output fifos, before it has
    // copied what a program that exits at once wrote; it lost runc's output that way too.
    auto args = concat(concat({"run", "--rm"}, containerd.run_args(runtime)),
                       {kImage, "once-" + runtime.name, "sh", "-c", "echo hello; cat /proc/1/comm; sleep 0.5; exit 5"});
    auto result = containerd.ctr(args);
    INFO(result.err);
    CHECK(result.status == 5);
    CHECK(result.out == "hello\nsh\n");
  }
}

TEST_CASE("ctr: a task runs, takes an exec, lists its processes, is killed and deleted", "[containerd]") {
  harness::LeakGuard guard;
  Containerd containerd;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    std::string id = "task-" + runtime.name;
    auto started = containerd.ctr(concat(concat({"run", "-d"}, containerd.run_args(runtime)), {kImage, id, "sleep", "100"}));
    INFO(started.err);
    REQUIRE(started.status == 0);
    containerd.wait_for_status(id, "RUNNING");
    auto exec = containerd.ctr({"task", "exec", "--exec-id", "probe", id, "sh", "-c", "cat /proc/1/comm; exit 6"});
    CHECK(exec.status == 6);
    CHECK(exec.out == "sleep\n");
    auto ps = containerd.ctr({"task", "ps", id});  // the shim calls `ps --format json`
    CHECK(harness::split_lines(ps.out).size() == 2);  // a header and the init
    CHECK(containerd.ctr({"task", "kill", "--signal", "KILL", id}).status == 0);
    containerd.wait_for_status(id, "STOPPED");
    CHECK(containerd.ctr({"task", "delete", id}).status == 0);
    CHECK(containerd.ctr({"container", "delete", id}).status == 0);
    CHECK(containerd.ctr({"task", "ls", "--quiet"}).out.empty());
  }
}
