// Unit tests of minirun's library: what it accepts and refuses before touching the system.
// No root needed.

#include "error.hpp"
#include "mount_options.hpp"
#include "signals.hpp"
#include "spec.hpp"
#include "state.hpp"
#include "units.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/mount.h>

#include <csignal>

using namespace minirun;
using nlohmann::json;

namespace {

json valid_config() { return json::parse(to_text(default_spec())); }

std::string error_of(const json& config) {
  try {
    parse_spec(config.dump());
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("the default spec parses back to the same spec", "[spec]") {
  Spec parsed = parse_spec(to_text(default_spec()));
  CHECK(to_text(parsed) == to_text(default_spec()));
  CHECK(parsed.process.args == std::vector<std::string>{"sh"});
  CHECK(parsed.root_path == "rootfs");
  CHECK(parsed.has_namespace("mount"));
  CHECK(parsed.mounts.size() == 7);
}

TEST_CASE("every supported field is read", "[spec]") {
  json config = valid_config();
  config["process"]["user"] = {{"uid", 1000}, {"gid", 100}, {"additionalGids", {5, 6}}};
  config["process"]["env"] = {"A=1"};
  config["process"]["cwd"] = "/tmp";
  config["linux"]["resources"] = {{"memory", {{"limit", 1 << 20}, {"swap", 2 << 20}}},
                                  {"pids", {{"limit", 7}}},
                                  {"cpu", {{"quota", 5000}, {"period", 10000}, {"shares", 512}}}};
  config["linux"]["cgroupsPath"] = "/my/cgroup";
  config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
  config["linux"]["namespaces"][0]["path"] = "/proc/1/ns/pid";
  Spec spec = parse_spec(config.dump());
  CHECK(spec.process.user.uid == 1000);
  CHECK(spec.process.user.gid == 100);
  CHECK(spec.process.user.additional_gids == std::vector<uint32_t>{5, 6});
  CHECK(spec.process.cwd == "/tmp");
  CHECK(spec.resources.memory_limit == int64_t{1 << 20});
  CHECK(spec.resources.memory_swap == int64_t{2 << 20});
  CHECK(spec.resources.pids_limit == int64_t{7});
  CHECK(spec.resources.cpu_quota == int64_t{5000});
  CHECK(spec.resources.cpu_period == uint64_t{10000});
  CHECK(spec.resources.cpu_shares == uint64_t{512});
  CHECK(spec.cgroups_path == "/my/cgroup");
  CHECK(spec.namespaces[0].path == "/proc/1/ns/pid");
}

TEST_CASE("an unsupported field is refused by its name", "[spec]") {
  json config = valid_config();
  SECTION("process.capabilities") {
    config["process"]["capabilities"] = {{"bounding", {"CAP_KILL"}}};
    CHECK(error_of(config) == "unsupported field \"process.capabilities\"");
  }
  SECTION("linux.seccomp") {
    config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}};
    CHECK(error_of(config) == "unsupported field \"linux.seccomp\"");
  }
  SECTION("a field inside an array element") {
    config["mounts"][0]["uidMappings"] = json::array();
    CHECK(error_of(config) == "unsupported field \"mounts[].uidMappings\"");
  }
  SECTION("hooks") {
    config["hooks"] = {{"prestart", json::array()}};
    CHECK(error_of(config) == "unsupported field \"hooks\"");
  }
  SECTION("a resource minirun does not set") {
    config["linux"]["resources"]["devices"] = json::array();
    CHECK(error_of(config) == "unsupported field \"linux.resources.devices\"");
  }
  SECTION("a terminal") {
    config["process"]["terminal"] = true;
    CHECK_THAT(error_of(config), Catch::StartsWith("unsupported field \"process.terminal\""));
  }
  SECTION("a user namespace") {
    config["linux"]["namespaces"].push_back({{"type", "user"}});
    CHECK_THAT(error_of(config), Catch::Contains("linux.namespaces[].type") && Catch::Contains("user"));
  }
  SECTION("an unknown mount type") {
    config["mounts"].push_back({{"destination", "/x"}, {"type", "nfs"}, {"source", "host:/x"}});
    CHECK_THAT(error_of(config), Catch::Contains("mounts[].type") && Catch::Contains("nfs"));
  }
}

TEST_CASE("annotations are free-form", "[spec]") {
  json config = valid_config();
  config["annotations"] = {{"org.example.anything", "value"}};
  CHECK(parse_spec(config.dump()).annotations.at("org.example.anything") == "value");
}

TEST_CASE("invalid config.json is refused with the field's name", "[spec]") {
  json config = valid_config();
  SECTION("wrong type") {
    config["process"]["args"] = "sh";
    CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"process.args\""));
  }
  SECTION("no args") {
    config["process"]["args"] = json::array();
    CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"process.args\""));
  }
  SECTION("no root") {
    config.erase("root");
    CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"root.path\""));
  }
  SECTION("no mount namespace") {
    config["linux"]["namespaces"] = json::array({{{"type", "pid"}}});
    CHECK_THAT(error_of(config), Catch::Contains("mount namespace is required"));
  }
  SECTION("a relative or escaping destination") {
    config["mounts"][0]["destination"] = "proc";
    CHECK_THAT(error_of(config), Catch::Contains("not absolute"));
    config["mounts"][0]["destination"] = "/proc/../../etc";
    CHECK_THAT(error_of(config), Catch::Contains("\"..\""));
  }
  SECTION("a hostname without a uts namespace") {
    config["linux"]["namespaces"] = json::array({{{"type", "mount"}}});
    CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"hostname\""));
  }
}

TEST_CASE("malformed JSON is an error that says so", "[spec]") {
  CHECK_THROWS_WITH(parse_spec("{\"ociVersion\": "), Catch::StartsWith("config.json: malformed JSON"));
  CHECK_THROWS_WITH(parse_spec("[]"), Catch::Contains("not a JSON object"));
}

TEST_CASE("exec --process takes a process object with the same rules", "[spec]") {
  Process p = parse_process(R"({"args": ["ls", "-l"], "cwd": "/tmp", "env": ["X=1"]})");
  CHECK(p.args == std::vector<std::string>{"ls", "-l"});
  CHECK(p.cwd == "/tmp");
  CHECK_THROWS_WITH(parse_process(R"({"args": ["ls"], "rlimits": []})"),
                    "unsupported field \"process.rlimits\"");
}

TEST_CASE("sizes: bytes or K/M/G in powers of 1024", "[units]") {
  CHECK(parse_size("1") == 1);
  CHECK(parse_size("4096") == 4096);
  CHECK(parse_size("512K") == 512 * 1024);
  CHECK(parse_size("64m") == 64LL << 20);
  CHECK(parse_size("2G") == 2LL << 30);
  for (const char* bad : {"", "0", "-1", "12X", "M", "1.5M", "K1", " 1", "99999999999G", "99999999999999999999"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_size(bad), Error);
  }
}

TEST_CASE("counts and CPUs must be positive numbers", "[units]") {
  CHECK(parse_count("20") == 20);
  CHECK_THROWS_AS(parse_count("0"), Error);
  CHECK_THROWS_AS(parse_count("-3"), Error);
  CHECK_THROWS_AS(parse_count("many"), Error);
  CHECK(cpus_to_quota("0.5", 100000) == 50000);
  CHECK(cpus_to_quota("2", 100000) == 200000);
  for (const char* bad : {"0", "-1", "abc", "0.001", "nan", "inf", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(cpus_to_quota(bad, 100000), Error);
  }
}

TEST_CASE("signals by name, with or without SIG, or by number", "[signals]") {
  CHECK(parse_signal("TERM") == SIGTERM);
  CHECK(parse_signal("SIGKILL") == SIGKILL);
  CHECK(parse_signal("usr1") == SIGUSR1);
  CHECK(parse_signal("9") == SIGKILL);
  CHECK(parse_signal("15") == SIGTERM);
  for (const char* bad : {"", "NOPE", "SIG", "0", "65", "-9", "9x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_signal(bad), Error);
  }
}

TEST_CASE("container IDs are safe directory names", "[state]") {
  CHECK_NOTHROW(validate_id("web-1_a.b"));
  CHECK_NOTHROW(validate_id(std::string(1024, 'x')));
  for (const std::string& bad : {std::string(), std::string("."), std::string(".."), std::string("a/b"),
                                 std::string("/"), std::string(1025, 'x')}) {
    INFO(bad);
    CHECK_THROWS_AS(validate_id(bad), Error);
  }
}

TEST_CASE("mount options split into flags, propagation and data", "[mounts]") {
  MountOptions o = parse_mount_options({"nosuid", "ro", "mode=755", "rbind", "rprivate", "size=1k"});
  CHECK(o.flags == (MS_NOSUID | MS_RDONLY | MS_BIND | MS_REC));
  CHECK(o.propagation == (MS_PRIVATE | MS_REC));
  CHECK(o.data == "mode=755,size=1k");
  CHECK(parse_mount_options({"ro", "rw"}).flags == 0);
}

TEST_CASE("a process start time tells a reused PID apart", "[state]") {
  auto mine = start_time_of(getpid());
  REQUIRE(mine);
  CHECK(is_alive(getpid(), *mine));
  CHECK_FALSE(is_alive(getpid(), *mine + 1));
  CHECK_FALSE(start_time_of(0));
}
