// Each config.json field minirun supports, seen from inside the container with the probe (or
// busybox); and the ones it does not support, refused by name.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <climits>
#include <filesystem>

using namespace minirun_tests;
using nlohmann::json;

namespace {

std::string file_in(const Fixture& f, const json& config, const std::string& path) {
  return f.output_of(config, {"/bin/probe", "cat", path});
}

// `args`, a write, run in a container made from `config`: it must fail on a read-only file system.
void require_read_only(const Fixture& f, json config, const std::vector<std::string>& args) {
  config["process"]["args"] = args;
  auto result = f.run(Fixture::unique("read-only"), config);
  CHECK(result.status != 0);
  CHECK_THAT(result.out + result.err, Catch::Contains("Read-only file system"));
}

}  // namespace

TEST_CASE("process: args, env and cwd", "[spec]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["process"]["env"] = {"PATH=/bin", "GREETING=hello there"};
  config["process"]["cwd"] = "/etc";
  CHECK(f.output_of(config, {"sh", "-c", "echo \"$GREETING\"; pwd; echo \"$0 $1\"", "zero", "one"}) ==
        "hello there\n/etc\nzero one\n");
}

TEST_CASE("process.user: uid, gid and additionalGids", "[spec]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["process"]["user"] = {{"uid", 1234}, {"gid", 2345}, {"additionalGids", {7, 8}}};
  std::string status = file_in(f, config, "/proc/self/status");
  CHECK_THAT(status, Catch::Contains("Uid:\t1234\t1234\t1234\t1234"));
  CHECK_THAT(status, Catch::Contains("Gid:\t2345\t2345\t2345\t2345"));
  CHECK_THAT(status, Catch::Contains("Groups:\t7 8"));
}

TEST_CASE("hostname", "[spec]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["hostname"] = "spec-host";
  CHECK(f.output_of(config, {"/bin/probe", "hostname"}) == "spec-host\n");
}

TEST_CASE("root.readonly makes / read-only, false leaves it writable", "[spec]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  const std::vector<std::string> touch = {"/bin/probe", "touch", "/new-file"};
  json config = f.default_config(touch);
  require_read_only(f, config, touch);
  // A writable root: a private copy, so the shared rootfs stays untouched.
  std::string copy = f.copy_of_rootfs();
  config["root"] = {{"path", copy}, {"readonly", false}};
  CHECK(f.run("rw", config).status == 0);
  CHECK(harness::path_exists(copy + "/new-file"));
}

TEST_CASE("mounts: proc, sysfs, tmpfs, devpts, mqueue and cgroup are there", "[spec][mounts]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string mounts = f.output_of(f.default_config({}), {"/bin/probe", "mounts"});
  for (const char* expected : {" /proc rw", " - proc ", " /sys ro", " - sysfs ", " /dev rw", " /dev/pts ",
                               " - devpts ", " /dev/shm ", " /dev/mqueue ", " - mqueue ", " /sys/fs/cgroup ro",
                               " /tmp rw"}) {
    CHECK_THAT(mounts, Catch::Contains(expected));
  }
  std::string devices = f.output_of(f.default_config({}), {"/bin/probe", "ls", "/dev"});
  for (const char* device : {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue"}) {
    CHECK_THAT(devices, Catch::Contains(device));
  }
}

TEST_CASE("mounts: a bind mount with options", "[spec][mounts]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string shared = f.path("shared");
  REQUIRE(::mkdir(shared.c_str(), 0755) == 0);
  harness::write_file(shared + "/hello", "from the host\n");
  json config = f.default_config({});
  config["mounts"].push_back({{"destination", "/run"}, {"type", "bind"}, {"source", shared},
                              {"options", {"rbind", "ro", "nosuid"}}});
  CHECK(f.output_of(config, {"/bin/probe", "cat", "/run/hello"}) == "from the host\n");
  require_read_only(f, config, {"/bin/probe", "touch", "/run/new"});
  CHECK_FALSE(harness::path_exists(shared + "/new"));
}

TEST_CASE("namespaces: new ones differ from the host's", "[spec][namespaces]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string inside = f.output_of(f.default_config({}), {"/bin/probe", "ns"});
  for (const char* ns : {"pid", "net", "ipc", "uts", "mnt", "cgroup"}) {
    struct stat host {};
    REQUIRE(::stat(("/proc/self/ns/" + std::string(ns)).c_str(), &host) == 0);
    INFO(ns << " inside: " << inside);
    CHECK_THAT(inside, Catch::Contains(std::string(ns) + " "));
    CHECK_THAT(inside, !Catch::Contains(std::string(ns) + " " + std::to_string(host.st_ino) + "\n"));
  }
}

TEST_CASE("namespaces: one joined by path is shared with that process", "[spec][namespaces]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("owner", f.default_config(kSleep));
  int pid = f.state("owner")["pid"];
  struct stat net {};
  REQUIRE(::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &net) == 0);
  json config = f.default_config({});
  for (auto& ns : config["linux"]["namespaces"]) {
    if (ns["type"] == "network") ns["path"] = "/proc/" + std::to_string(pid) + "/ns/net";
  }
  std::string inside = f.output_of(config, {"/bin/probe", "ns"});
  CHECK_THAT(inside, Catch::Contains("net " + std::to_string(net.st_ino) + "\n"));
  f.remove("owner");
}

TEST_CASE("namespaces: without a mount namespace the container shares the runtime's and gets a chroot", "[spec][namespaces]") {
  // The spec allows it and runc runs it; minirun then refuses every field that would mount on the host.
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  json kept = json::array();
  for (const auto& ns : config["linux"]["namespaces"]) {
    if (ns["type"] != "mount") kept.push_back(ns);
  }
  config["linux"]["namespaces"] = kept;
  CHECK_THAT(f.create_refused("with-mounts", config).err, Catch::Contains("invalid field \"mounts\": needs a mount namespace"));
  config["mounts"] = json::array();
  for (const char* field : {"maskedPaths", "readonlyPaths", "devices"}) config["linux"][field] = json::array();
  config["root"]["readonly"] = false;
  f.create_and_start("shared-mnt", config);
  std::string proc = "/proc/" + std::to_string(f.state("shared-mnt")["pid"].get<int>());
  struct stat ours {}, theirs {};
  REQUIRE(::stat("/proc/self/ns/mnt", &ours) == 0);
  REQUIRE(::stat((proc + "/ns/mnt").c_str(), &theirs) == 0);
  CHECK(ours.st_ino == theirs.st_ino);
  char root[PATH_MAX] = {};
  REQUIRE(::readlink((proc + "/root").c_str(), root, sizeof root - 1) > 0);
  CHECK(std::string(root) == std::filesystem::canonical(kRootfs).string());
  auto inside = f.minirun({"exec", "shared-mnt", "--", "/bin/probe", "ls", "/"});
  CHECK_THAT(inside.out, Catch::Contains("bin"));
  f.remove("shared-mnt");
}

TEST_CASE("resources: memory, pids and cpu limits land in the container's cgroup", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  config["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}, {"swap", 64 << 20}}},
                                  {"pids", {{"limit", 33}}},
                                  {"cpu", {{"quota", 25000}, {"period", 100000}, {"shares", 512}}}};
  const std::string path = "/" + Fixture::unique("minirun-test-resources");
  config["linux"]["cgroupsPath"] = path;
  f.create("limits", config);
  auto read = [](const std::string& file) { return harness::trim(harness::read_file(file).value_or("(missing)")); };
  if (cgroup_v2()) {
    std::string dir = "/sys/fs/cgroup" + path;
    CHECK(read(dir + "/memory.max") == std::to_string(64 << 20));
    CHECK(read(dir + "/pids.max") == "33");
    CHECK(read(dir + "/cpu.max") == "25000 100000");
  } else {
    CHECK(read("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes") == std::to_string(64 << 20));
    CHECK(read("/sys/fs/cgroup/pids" + path + "/pids.max") == "33");
    CHECK(read("/sys/fs/cgroup/cpu" + path + "/cpu.cfs_quota_us") == "25000");
    CHECK(read("/sys/fs/cgroup/cpu" + path + "/cpu.shares") == "512");
  }
  // From inside, the container is at the root of its cgroup namespace and sees its own limit.
  auto inside = f.minirun({"exec", "limits", "--", "/bin/probe", "cgroup"});
  CHECK_THAT(inside.out, Catch::Contains(":/\n"));
  f.remove("limits");
  CHECK_FALSE(harness::path_exists(cgroup_dir("memory", path)));
}

TEST_CASE("resources.pids: a fork bomb is held", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"/bin/probe", "forkbomb"});
  config["linux"]["resources"] = {{"pids", {{"limit", 16}}}};
  auto result = f.run("bomb", config);
  INFO(result.out << result.err);
  CHECK(result.status == 0);
  CHECK(f.containers().empty());
}

TEST_CASE("maskedPaths and readonlyPaths", "[spec][mounts]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  CHECK(file_in(f, config, "/proc/timer_list").empty());               // masked file: /dev/null over it
  CHECK(f.output_of(config, {"/bin/probe", "ls", "/sys/firmware"}).empty());  // masked directory
  require_read_only(f, config, {"/bin/probe", "write", "/proc/sys/kernel/hostname", "x"});
}

TEST_CASE("a property the runtime spec does not define runs, and --debug says it was ignored", "[spec]") {
  // The spec: a runtime MUST NOT fail on an unknown property (a newer spec's field, an engine's extension).
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"/bin/true"});
  config["org.example.engine"] = {{"anything", 1}};
  config["linux"]["futureField"] = true;
  f.write_config(config);
  auto result = f.minirun({"--debug", "run", "--bundle", f.bundle(), Fixture::unique("unknown")});
  INFO(result.err);
  CHECK(result.status == 0);
  CHECK_THAT(result.err, Catch::Contains("ignored \"org.example.engine\"") &&
                             Catch::Contains("ignored \"linux.futureField\""));
}

TEST_CASE("an unsupported field is refused by name and nothing is created", "[spec][refused]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  config["linux"]["intelRdt"] = {{"closID", "guaranteed"}};
  auto result = f.create_refused("refused", config);
  CHECK_THAT(result.err, Catch::Contains("unsupported field \"linux.intelRdt\""));
}

TEST_CASE("the default spec: runc's capabilities, no_new_privs, seccomp, limits and device rules", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  json kept = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  for (const char* set : {"bounding", "effective", "permitted"}) CHECK(config["process"]["capabilities"][set] == kept);
  CHECK(config["process"]["capabilities"]["inheritable"].empty());
  CHECK(config["process"]["capabilities"]["ambient"].empty());
  CHECK(config["process"]["noNewPrivileges"] == true);
  CHECK(config["process"]["rlimits"] == json::parse(R"([{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}])"));
  CHECK(config["linux"]["resources"]["devices"] == json::parse(R"([{"allow": false, "type": "a", "access": "rwm"}])"));
  CHECK(config["linux"]["resources"]["pids"]["limit"] == 1024);
  CHECK(config["linux"]["seccomp"]["defaultAction"] == "SCMP_ACT_ALLOW");
  // The same, seen from inside a `run --rootfs` container: CAP_AUDIT_WRITE is 29, CAP_KILL 5,
  // CAP_NET_BIND_SERVICE 10: 0x20000420. Seccomp 2 is a filter.
  auto result = f.minirun({"run", "--rootfs", kRootfs, Fixture::unique("defaults"), "--", "sh", "-c",
                           "grep -E '^(CapBnd|CapEff|CapPrm|CapInh|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status;"
                           "grep 'open files' /proc/self/limits; cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null"});
  INFO(result.err);
  REQUIRE(result.status != 125);
  CHECK_THAT(result.out, Catch::Contains("CapInh:\t0000000000000000\nCapPrm:\t0000000020000420\n"
                                         "CapEff:\t0000000020000420\nCapBnd:\t0000000020000420\nCapAmb:\t0000000000000000\n"
                                         "NoNewPrivs:\t1\nSeccomp:\t2\n"));
  CHECK_THAT(result.out, Catch::Matches("(.|\n)*Max open files +1024 +1024 +files *\n1024\n"));
  // --pids replaces the default limit.
  auto pids = f.minirun({"run", "--rootfs", kRootfs, "--pids", "20", Fixture::unique("defaults"), "--", "sh", "-c",
                         "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null"});
  CHECK(pids.out == "20\n");
}
