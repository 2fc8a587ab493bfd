// Unit tests of minirun's library: what it accepts and refuses before touching the system.
// No root needed.

#include "base/digest.hpp"
#include "base/error.hpp"
#include "base/files.hpp"
#include "base/signals.hpp"
#include "base/text.hpp"
#include "base/units.hpp"
#include "kernel/device_filter.hpp"
#include "kernel/mount_options.hpp"
#include "kernel/sealed_self.hpp"
#include "kernel/seccomp_filter.hpp"
#include "spec/spec.hpp"
#include "state/seccomp_cache.hpp"
#include "state/state.hpp"

#include "../harness/files.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

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

TEST_CASE("a property the runtime spec does not define is ignored, wherever it is", "[spec]") {
  // The spec: runtimes MUST NOT generate an error if they encounter an unknown property.
  json config = valid_config();
  config["org.example.engine"] = {{"anything", 1}};
  config["hooks"] = {{"prestop", json::array()}};
  config["process"]["newerSpecField"] = true;
  config["linux"]["resources"]["futureController"] = {{"limit", 3}};
  config["mounts"][0]["extension"] = "x";
  CHECK(error_of(config) == "(accepted)");
  CHECK(to_text(parse_spec(config.dump())) == to_text(parse_spec(valid_config().dump())));
}

TEST_CASE("ociVersion is a SemVer version of runtime spec 1", "[spec]") {
  json config = valid_config();
  for (const std::string version : {"1.0.0", "1.0.2", "1.1.0", "1.2.1", "1.3.0", "1.2.0-rc.1"}) {
    config["ociVersion"] = version;
    CHECK(error_of(config) == "(accepted)");
  }
  for (const std::string version : {"invalid", "1.0", "", "2.0.0", "0.9.0", "01.0.0"}) {
    config["ociVersion"] = version;
    CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"ociVersion\""));
  }
  config.erase("ociVersion");
  CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"ociVersion\": missing"));
}

TEST_CASE("a namespace type listed twice is refused", "[spec]") {
  json config = valid_config();
  config["linux"]["namespaces"].push_back({{"type", "pid"}});
  CHECK(error_of(config) == "invalid field \"linux.namespaces\": \"pid\" is listed twice");
}

TEST_CASE("an unsupported field is refused by its name", "[spec]") {
  json config = valid_config();
  SECTION("process.apparmorProfile") {
    config["process"]["apparmorProfile"] = "containers-default";
    CHECK(error_of(config) == "unsupported field \"process.apparmorProfile\"");
  }
  SECTION("a seccomp notify listener") {
    config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "/run/x.sock"}};
    CHECK(error_of(config) == "unsupported field \"linux.seccomp.listenerPath\"");
  }
  SECTION("a field inside an array element") {
    config["mounts"][0]["uidMappings"] = json::array();
    CHECK(error_of(config) == "unsupported field \"mounts[].uidMappings\"");
  }
  SECTION("a field of the spec's linux section minirun does not apply") {
    config["linux"]["personality"] = {{"domain", "LINUX32"}};
    CHECK(error_of(config) == "unsupported field \"linux.personality\"");
  }
  SECTION("a resource minirun does not set") {
    config["linux"]["resources"]["rdma"] = {{"mlx5_1", {{"hcaHandles", 3}}}};
    CHECK(error_of(config) == "unsupported field \"linux.resources.rdma\"");
  }
  SECTION("a cpu field minirun does not set") {
    config["linux"]["resources"]["cpu"] = {{"realtimeRuntime", 1000}};
    CHECK(error_of(config) == "unsupported field \"linux.resources.cpu.realtimeRuntime\"");
  }
  SECTION("an AppArmor-like field of linux") {
    config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0";
    CHECK(error_of(config) == "unsupported field \"linux.mountLabel\"");
  }
  SECTION("a namespace type the kernel does not have") {
    config["linux"]["namespaces"].push_back({{"type", "time-travel"}});
    CHECK_THAT(error_of(config), Catch::Contains("linux.namespaces[].type") && Catch::Contains("time-travel"));
  }
  SECTION("a user namespace without id mappings, or mappings without one") {
    config["linux"]["namespaces"].push_back({{"type", "user"}});
    CHECK_THAT(error_of(config), Catch::Contains("needs uid and gid mappings"));
    config["linux"]["namespaces"].erase(config["linux"]["namespaces"].size() - 1);
    config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
    config["linux"]["gidMappings"] = config["linux"]["uidMappings"];
    CHECK_THAT(error_of(config), Catch::Contains("needs uid and gid mappings"));
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
  SECTION("no mount namespace, and mounts that would then be made on the host") {
    config["linux"]["namespaces"] = json::array({{{"type", "pid"}}});
    CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"mounts\": needs a mount namespace"));
    config["mounts"] = json::array();
    config["linux"]["maskedPaths"] = json::array({"/proc/kcore"});
    CHECK_THAT(error_of(config), Catch::StartsWith("invalid field \"linux.maskedPaths\": needs a mount namespace"));
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
  CHECK_THROWS_WITH(parse_process(R"({"args": ["ls"], "apparmorProfile": "x"})"),
                    "unsupported field \"process.apparmorProfile\"");
}

TEST_CASE("numbers out of a field's range are refused, not wrapped", "[spec]") {
  // A uid of 2^32 must not become uid 0, nor -1 become 4294967295, nor 1.5 become 1.
  for (const std::string uid : {"4294967296", "-1", "1.5", "1e30"}) {
    INFO("uid " << uid);
    CHECK_THROWS_WITH(parse_process(R"({"args": ["sh"], "user": {"uid": )" + uid + "}}"),
                      Catch::StartsWith("invalid field \"process.user.uid\""));
  }
  CHECK_THROWS_WITH(parse_spec(R"({"ociVersion": "1.0.2", "process": {"args": ["sh"]}, "root": {"path": "r"},
                                   "linux": {"resources": {"pids": {"limit": 1e999}}}})"),
                    Catch::Contains("config.json"));
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
                                 std::string("/"), std::string(1025, 'x'), std::string(".seccomp")}) {
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

TEST_CASE("a start time is read past a command name with spaces and parentheses", "[state]") {
  int ready[2], renamed[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(renamed) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char go = 0;
    (void)!::read(ready[0], &go, 1);
    ::prctl(PR_SET_NAME, "a) b ) (c", 0, 0, 0);
    (void)!::write(renamed[1], "r", 1);
    ::pause();
    ::_exit(0);
  }
  auto before = start_time_of(child);
  char done = 0;
  REQUIRE(::write(ready[1], "g", 1) == 1);
  REQUIRE(::read(renamed[0], &done, 1) == 1);
  auto after = start_time_of(child);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  for (int fd : {ready[0], ready[1], renamed[0], renamed[1]}) ::close(fd);
  REQUIRE(before);
  CHECK(after == before);
  CHECK_FALSE(start_time_of(child));  // reaped: gone
}

TEST_CASE("whole files: read, or nothing, or an error naming the call and the path", "[files]") {
  harness::TempDir dir;
  const std::string big = dir.path() + "/big";
  std::string text;
  for (int i = 0; i < 3000; ++i) text += std::to_string(i) + "\n";  // more than one read(2)
  write_file(big, text);
  CHECK(read_file(big) == text);
  CHECK(read_file_if_any(big) == text);
  const std::string missing = dir.path() + "/missing";
  CHECK_FALSE(read_file_if_any(missing));
  CHECK_THROWS_WITH(read_file(missing), Catch::StartsWith("open " + missing + ": "));
  CHECK_THROWS_WITH(read_file(dir.path()), Catch::StartsWith("read " + dir.path() + ": "));  // EISDIR
  CHECK_FALSE(read_file_if_any(dir.path()));
}

TEST_CASE("SHA-256 digests in hex, and the build id of the running program", "[digest]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(own_build_id().size() >= 16);  // Debian's gcc links with --build-id (20 bytes, 40 digits)
}

TEST_CASE("a seccomp program is kept by its profile's digest, and checked when read back", "[seccomp]") {
  harness::TempDir dir;
  StateRoot root(dir.path());
  SeccompProfile profile = default_spec().seccomp.value();
  SeccompProgram compiled = compile_seccomp(profile);
  auto same = [](const SeccompProgram& a, const SeccompProgram& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(sock_filter)) == 0;
  };
  const std::string file = seccomp_cache_file(root, profile);
  REQUIRE(file.starts_with(dir.path() + "/.seccomp/"));
  CHECK(same(seccomp_program(root, profile), compiled));
  struct stat st {};
  REQUIRE(::stat((dir.path() + "/.seccomp").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);  // root's alone
  const std::string kept = read_file(file);

  SECTION("the next container with the profile gets the program from the file") {
    SeccompProfile other = profile;
    other.default_action = "SCMP_ACT_LOG";
    SeccompProgram other_program = compile_seccomp(other);
    CHECK(seccomp_cache_file(root, other) != file);
    std::string bytes(reinterpret_cast<const char*>(other_program.data()), other_program.size() * sizeof(sock_filter));
    write_file(file, sha256_hex(bytes) + "\n" + bytes);  // the file's program, not the profile's
    CHECK(same(seccomp_program(root, profile), other_program));
  }
  SECTION("a file that does not hold the program its digest names is compiled again, and replaced") {
    for (const std::string& broken : {kept.substr(0, kept.size() - 8), kept.substr(0, kept.size() - 3),
                                      (kept[0] == '0' ? "1" : "0") + kept.substr(1), std::string("garbage")}) {
      write_file(file, broken);
      CHECK(same(seccomp_program(root, profile), compiled));
      CHECK(read_file(file) == kept);
    }
  }
}

TEST_CASE("text is split at every separator, empty pieces kept", "[text]") {
  using Pieces = std::vector<std::string_view>;
  CHECK(split("memory.limit", '.') == Pieces{"memory", "limit"});
  CHECK(split("/x/", '/') == Pieces{"", "x", ""});
  CHECK(split("a,,b", ',') == Pieces{"a", "", "b"});
  CHECK(split("", '\n') == Pieces{""});
}

TEST_CASE("a tree is removed whole, its symlinks never followed", "[files]") {
  harness::TempDir dir;
  const std::string outside = dir.path() + "/outside", tree = dir.path() + "/a/b/c";
  using Dirs = std::vector<std::string>;
  CHECK(make_directories(tree) == Dirs{dir.path() + "/a", dir.path() + "/a/b", tree});  // what it made, parents first
  CHECK(make_directories(tree).empty());                                                  // nothing: it exists
  make_directories(outside);
  write_file(outside + "/kept", "x");
  write_file(tree + "/file", "y");
  REQUIRE(::symlink(outside.c_str(), (tree + "/link").c_str()) == 0);
  REQUIRE(::mkdir((tree + "/closed").c_str(), 0) == 0);  // as overlayfs leaves its work/work
  CHECK(names_in(tree).size() == 3);
  remove_tree(dir.path() + "/a");
  CHECK(::access((dir.path() + "/a").c_str(), F_OK) == -1);
  CHECK(read_file(outside + "/kept") == "x");
  remove_tree(dir.path() + "/a");  // gone already: nothing to do
  CHECK(names_in(dir.path() + "/a").empty());
}

TEST_CASE("a kernel file's refusal of a value is the error of its write", "[files]") {
  CHECK_THROWS_WITH(write_kernel_file("/proc/self/oom_score_adj", "not a number"),
                    Catch::StartsWith("write not a number to /proc/self/oom_score_adj: "));
  harness::TempDir dir;
  CHECK_THROWS_WITH(write_kernel_file(dir.path() + "/absent", "1"), Catch::StartsWith("open " + dir.path() + "/absent: "));
}

TEST_CASE("the owner is the passwd file's name for the caller's UID, or the UID", "[state]") {
  harness::TempDir dir;
  const std::string passwd = dir.path() + "/passwd";
  const std::string uid = std::to_string(getuid());
  harness::write_file(passwd, "broken line\nnobody:x:65534:65534::/:/bin/false\n" +
                         std::string("first:x:") + uid + ":0::/:/bin/sh\nsecond:x:" + uid + ":0::/:/bin/sh\n");
  CHECK(current_owner(passwd) == "first");
  const std::string other = std::to_string(getuid() + 1);
  harness::write_file(passwd, "someone:x:" + uid + "0:0::/:/bin/sh\nother:x:" + other + ":" + uid + "::/:/bin/sh\n");
  CHECK(current_owner(passwd) == uid);  // a UID that only starts with ours, or ours as a GID, is not ours
  CHECK(current_owner(dir.path() + "/missing") == uid);
}

namespace {

// A config with every field engines send by default, as podman writes them.
json engine_config() {
  json config = valid_config();
  config["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL"}}, {"effective", {"CAP_KILL"}},
                                       {"inheritable", json::array()}, {"permitted", {"CAP_KILL"}},
                                       {"ambient", json::array()}};
  config["process"]["noNewPrivileges"] = true;
  config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 512}}};
  config["process"]["oomScoreAdj"] = 100;
  config["process"]["user"]["umask"] = 18;
  config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  config["linux"]["devices"] = {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}}};
  config["linux"]["resources"]["devices"] = {{{"allow", false}, {"access", "rwm"}}};
  config["linux"]["resources"]["memory"] = {{"reservation", 1 << 20}};
  config["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ERRNO"},
      {"defaultErrnoRet", 38},
      {"architectures", {"SCMP_ARCH_X86_64"}},
      {"syscalls", {{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}},
                    {{"names", {"personality"}}, {"action", "SCMP_ACT_ALLOW"},
                     {"args", {{{"index", 0}, {"value", 0}, {"op", "SCMP_CMP_EQ"}}}}}}}};
  config["hooks"] = {{"prestart", {{{"path", "/bin/true"}, {"args", {"true"}}, {"timeout", 5}}}}};
  config["linux"]["namespaces"].push_back({{"type", "user"}});
  config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  config["linux"]["gidMappings"] = config["linux"]["uidMappings"];
  return config;
}

}  // namespace

TEST_CASE("the fields engines send parse, and survive the trip through the state directory", "[spec]") {
  Spec spec = parse_spec(engine_config().dump());
  REQUIRE(spec.process.capabilities);
  CHECK(spec.process.capabilities->bounding == std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"});
  CHECK(spec.process.no_new_privileges);
  CHECK(spec.process.rlimits.at(0).soft == 512);
  CHECK(spec.process.oom_score_adj == 100);
  CHECK(spec.process.user.umask == 18u);
  CHECK(spec.sysctl.at("net.ipv4.ip_forward") == "1");
  CHECK(spec.devices.at(0).major == 10);
  CHECK(spec.resources.devices.at(0).type == "a");
  CHECK(spec.resources.memory_reservation == int64_t{1 << 20});
  CHECK(spec.hooks.prestart.at(0).timeout == 5);
  CHECK(spec.makes_user_namespace());
  CHECK(spec.uid_mappings.at(0).host_id == 100000);
  // `create` saves the spec with to_text(); `exec` and `delete` read it back.
  CHECK(to_text(parse_spec(to_text(spec))) == to_text(spec));
  CHECK_FALSE(compile_seccomp(spec.seccomp.value()).empty());
}

TEST_CASE("wrong values of the engine fields are refused by name", "[spec]") {
  json config = engine_config();
  SECTION("an unknown capability") {
    config["process"]["capabilities"]["bounding"] = {"CAP_FLY"};
    CHECK_THAT(error_of(config), Catch::Contains("unknown capability \"CAP_FLY\""));
  }
  SECTION("an unknown rlimit") {
    config["process"]["rlimits"][0]["type"] = "RLIMIT_FUN";
    CHECK_THAT(error_of(config), Catch::Contains("unknown limit \"RLIMIT_FUN\""));
  }
  SECTION("a seccomp operator libseccomp does not have") {
    config["linux"]["seccomp"]["syscalls"][1]["args"][0]["op"] = "SCMP_CMP_ROUGHLY";
    CHECK_THAT(error_of(config), Catch::Contains("unknown operator \"SCMP_CMP_ROUGHLY\""));
  }
  SECTION("a sysctl no namespace of the container owns") {
    config["linux"]["sysctl"] = {{"vm.swappiness", "10"}};
    CHECK_THAT(error_of(config), Catch::Contains("\"vm.swappiness\" is not owned by a namespace"));
  }
  SECTION("a net sysctl without a network namespace") {
    config["linux"]["namespaces"] = json::array({{{"type", "mount"}}, {{"type", "uts"}}});
    CHECK_THAT(error_of(config), Catch::Contains("\"net.ipv4.ip_forward\""));
  }
  SECTION("a device rule with a bad access") {
    config["linux"]["resources"]["devices"][0]["access"] = "rwx";
    CHECK_THAT(error_of(config), Catch::Contains("linux.resources.devices[].access"));
  }
  SECTION("a relative hook path") {
    config["hooks"]["prestart"][0]["path"] = "true";
    CHECK_THAT(error_of(config), Catch::Contains("hooks.prestart[].path"));
  }
}

namespace {

// Where a cgroup2 directory can be made: the unified hierarchy of a hybrid machine, or the root
// of a pure v2 one. Its controllers do not matter: the device hook needs none.
std::string cgroup2_root() {
  for (const char* dir : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    if (::access((std::string(dir) + "/cgroup.procs").c_str(), F_OK) == 0 &&
        ::access((std::string(dir) + "/cgroup.controllers").c_str(), F_OK) == 0) {
      return dir;
    }
  }
  return "";
}

// In a child moved into `dir`: which of /dev/null read, /dev/null write, /dev/zero read work
// (bits 1, 2, 4 of the result).
int device_access_in(const std::string& dir) {
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::string pid = std::to_string(::getpid());
    int procs = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY);
    if (procs == -1 || ::write(procs, pid.data(), pid.size()) == -1) ::_exit(100);
    int result = 0;
    const std::pair<const char*, int> tries[] = {{"/dev/null", O_RDONLY}, {"/dev/null", O_WRONLY}, {"/dev/zero", O_RDONLY}};
    for (int i = 0; i < 3; ++i) {
      int fd = ::open(tries[i].first, tries[i].second);
      if (fd >= 0) result |= 1 << i;
    }
    ::_exit(result);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("the cgroup v2 device filter (eBPF) answers as the rules say", "[cgroups][devices]") {
  harness::require_root();
  std::string root = cgroup2_root();
  if (root.empty()) harness::skip("no cgroup2 hierarchy is mounted");
  struct Dir {  // removed however the section ends
    std::string path;
    ~Dir() { ::rmdir(path.c_str()); }
  } dir{root + "/minirun-device-filter-" + std::to_string(::getpid())};
  REQUIRE(::mkdir(dir.path.c_str(), 0755) == 0);
  SECTION("deny all, then allow reading /dev/null") {
    attach_device_filter(dir.path, {{false, "a", -1, -1, "rwm"}, {true, "c", 1, 3, "r"}});
    CHECK(device_access_in(dir.path) == 0b001);
  }
  SECTION("allow all, then deny /dev/zero") {
    attach_device_filter(dir.path, {{true, "a", -1, -1, "rwm"}, {false, "c", 1, 5, "rwm"}});
    CHECK(device_access_in(dir.path) == 0b011);
  }
  SECTION("no rule matches: allowed, as in a new v1 cgroup") {
    attach_device_filter(dir.path, {{false, "c", 1, 5, "rwm"}});
    CHECK(device_access_in(dir.path) == 0b011);
  }
}

// sealed_self.hpp: the two views of minirun's binary that a container must not be able to write.
namespace {

std::string contents_of(const Fd& file) {
  std::string text(4096, '\0');
  ssize_t length = ::pread(file.get(), text.data(), text.size(), 0);
  REQUIRE(length >= 0);
  text.resize(static_cast<size_t>(length));
  return text;
}

// What a container holding the file through /proc/PID/exe would try: reopen it for writing, write.
int errno_of_writing(const Fd& file) {
  std::string reopen = "/proc/self/fd/" + std::to_string(file.get());
  Fd writable(::open(reopen.c_str(), O_WRONLY | O_CLOEXEC));
  if (!writable.valid()) return errno;
  if (::pwrite(writable.get(), "x", 1, 0) == -1) return errno;
  if (::ftruncate(writable.get(), 0) == -1) return errno;
  return 0;
}

}  // namespace

TEST_CASE("a sealed memfd copy holds the binary's bytes and refuses every write", "[sealed]") {
  harness::TempDir dir;
  std::string binary = dir / "binary";
  harness::write_file(binary, "#!/bin/sh\necho a binary\n");
  Fd original(::open(binary.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(original.valid());
  CHECK_FALSE(is_sealed(original));
  Fd copy = sealed_memfd_copy(original);
  CHECK(contents_of(copy) == "#!/bin/sh\necho a binary\n");
  CHECK(is_sealed(copy));
  CHECK(errno_of_writing(copy) == EPERM);
  CHECK(contents_of(copy) == "#!/bin/sh\necho a binary\n");
}

namespace {

// The running kernel's version is at least major.minor.
bool kernel_at_least(int major, int minor) {
  struct utsname name {};
  int running_major = 0, running_minor = 0;
  if (::uname(&name) == -1 || std::sscanf(name.release, "%d.%d", &running_major, &running_minor) != 2) return false;
  return running_major > major || (running_major == major && running_minor >= minor);
}

}  // namespace

TEST_CASE("a read-only overlay view of the binary cannot be opened for writing", "[sealed]") {
  harness::require_root();  // overlayfs and the new mount API
  harness::TempDir dir;
  std::string binary = dir / "binary";
  harness::write_file(binary, "#!/bin/sh\necho a binary\n");
  Fd view = [&] {
    try {
      return read_only_overlay_view(binary);
    } catch (const Error& e) {
      // Kernels before 6.5 (Debian 12's 6.1) take no detached mount as an overlay layer: minirun then
      // runs from the sealed memfd copy, the test above. From 6.5 on, the view must work.
      if (!kernel_at_least(6, 5)) {
        harness::skip(std::string("this kernel cannot make the overlay view (") + e.what() +
                      "): minirun uses the sealed memfd copy");
      }
      throw;
    }
  }();
  CHECK(contents_of(view) == "#!/bin/sh\necho a binary\n");
  CHECK(is_sealed(view));
  CHECK(errno_of_writing(view) == EROFS);
  Fd original(::open(binary.c_str(), O_RDONLY | O_CLOEXEC));
  CHECK_FALSE(is_sealed(original));
  CHECK(errno_of_writing(original) == 0);  // the file itself stays the host's, writable by the host
}

