// config.json hooks: each runs at its point of the lifecycle, in the namespaces the runtime spec
// says, with the container's state on stdin; a failing one before the program runs fails create.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <map>

using namespace minirun_tests;
using nlohmann::json;

namespace {

// A hook appending "PHASE MOUNT-NAMESPACE STATE" to `log` (a path as the hook sees it).
json recording_hook(const std::string& phase, const std::string& log) {
  std::string script = "echo \"" + phase + " $(readlink /proc/self/ns/mnt) $(cat)\" >> " + log;
  return {{"path", "/bin/sh"}, {"args", {"sh", "-c", script}}};
}

std::string own_mount_namespace() {
  char link[64] = {};
  REQUIRE(::readlink("/proc/self/ns/mnt", link, sizeof link - 1) > 0);
  return link;
}

}  // namespace

TEST_CASE("hooks: each phase runs once, in its namespaces, with the state on stdin", "[spec][hooks]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string dir = f.path("hooklog");
  REQUIRE(harness::run({"mkdir", dir}).status == 0);
  std::string host_log = dir + "/log";
  json config = f.default_config({"true"});
  // Over a directory the rootfs has: a new mount point would be made in the shared rootfs.
  config["mounts"].push_back({{"destination", "/root"}, {"type", "bind"}, {"source", dir}, {"options", {"rbind"}}});
  config["hooks"] = {{"prestart", {recording_hook("prestart", host_log)}},
                     {"createRuntime", {recording_hook("createRuntime", host_log)}},
                     {"createContainer", {recording_hook("createContainer", host_log)}},
                     // Resolved in the container, after pivot_root: the log through the bind mount.
                     {"startContainer", {recording_hook("startContainer", "/root/log")}},
                     {"poststart", {recording_hook("poststart", host_log)}},
                     {"poststop", {recording_hook("poststop", host_log)}}};
  f.create("hooked", config);
  f.minirun({"start", "hooked"});
  f.wait_for_status("hooked", "stopped");
  f.remove("hooked");

  std::map<std::string, std::string> namespace_of;
  std::vector<std::string> phases;
  for (const auto& line : harness::split_lines(harness::read_file(host_log).value_or(""))) {
    std::string phase = line.substr(0, line.find(' '));
    phases.push_back(phase);
    namespace_of[phase] = line.substr(phase.size() + 1, line.find(' ', phase.size() + 1) - phase.size() - 1);
    json state = json::parse(line.substr(line.find('{')));
    INFO(line);
    CHECK(state["id"] == "hooked");
    if (phase != "poststop") CHECK(state["pid"].get<int>() > 0);  // the spec requires a pid until stopped
    // As runc does (final/README.md): the hooks of create see the container still being created.
    if (phase == "prestart" || phase == "createRuntime" || phase == "createContainer") CHECK(state["status"] == "creating");
  }
  // startContainer (the init) and poststart (minirun start) race; the rest is ordered.
  REQUIRE(phases.size() == 6);
  CHECK(std::vector<std::string>(phases.begin(), phases.begin() + 3) ==
        std::vector<std::string>{"prestart", "createRuntime", "createContainer"});
  CHECK(std::is_permutation(phases.begin() + 3, phases.begin() + 5,
                            std::vector<std::string>{"startContainer", "poststart"}.begin()));
  CHECK(phases[5] == "poststop");
  std::string host = own_mount_namespace();
  for (const char* phase : {"prestart", "createRuntime", "poststart", "poststop"}) {
    INFO(phase);
    CHECK(namespace_of[phase] == host);
  }
  CHECK(namespace_of["createContainer"] != host);
  CHECK(namespace_of["startContainer"] == namespace_of["createContainer"]);
}

TEST_CASE("hooks: a failing or hanging createRuntime hook fails create, leaving nothing", "[spec][hooks]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"true"});
  config["hooks"] = {{"createRuntime", {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}}}};
  auto failed = f.create_refused("failing-hook", config);
  CHECK_THAT(failed.err, Catch::Contains("createRuntime hook /bin/sh: exit status 3"));
  config["hooks"] = {{"prestart", {{{"path", "/bin/sleep"}, {"args", {"sleep", "30"}}, {"timeout", 1}}}}};
  auto hung = f.create_refused("hung-hook", config);
  CHECK_THAT(hung.err, Catch::Contains("prestart hook /bin/sleep: timed out after 1 s"));
}

TEST_CASE("hooks: a failing poststop hook is a warning, the container is still deleted", "[spec][hooks]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"true"});
  config["hooks"] = {{"poststop", {{{"path", "/bin/false"}}}}};
  auto result = f.run("poststop", config);
  CHECK(result.status == 0);
  CHECK_THAT(result.err, Catch::Contains("minirun: poststop: warning: poststop hook /bin/false: exit status 1"));
  CHECK(f.containers().empty());
}

TEST_CASE("hooks: run runs poststart and poststop, as start and delete do", "[spec][hooks]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string log = f.path("run-hooks.log");
  json config = f.default_config({"true"});
  config["hooks"] = {{"poststart", {recording_hook("poststart", log)}}, {"poststop", {recording_hook("poststop", log)}}};
  auto result = f.run("run-hooked", config);
  REQUIRE(result.status == 0);
  auto lines = harness::split_lines(harness::read_file(log).value_or(""));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("poststart "));
  CHECK(json::parse(lines[0].substr(lines[0].find('{')))["status"] == "running");
  CHECK(lines[1].starts_with("poststop "));
  CHECK(json::parse(lines[1].substr(lines[1].find('{')))["status"] == "stopped");
  CHECK(f.containers().empty());
}
