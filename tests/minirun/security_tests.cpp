// The config.json fields that limit what the container's process may do, each seen from inside:
// capabilities, noNewPrivileges, seccomp, rlimits, oomScoreAdj, umask, sysctl and devices. These
// are the fields podman and containerd send with every container. And where mounts land when the
// image holds symlinks that point outside it.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

using namespace minirun_tests;
using nlohmann::json;

namespace {

// Runs a shell command in a container made from `config`; returns its result.
harness::Result shell(const Fixture& f, json config, const std::string& command) {
  config["process"]["args"] = {"sh", "-c", command};
  return f.run("sec", config);
}

// Its stdout; REQUIREs status 0.
std::string shell_output(const Fixture& f, const json& config, const std::string& command) {
  return f.output_of(config, {"sh", "-c", command});
}

void make_symlink(const std::string& target, const std::string& path) {
  INFO(path << " -> " << target);
  REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
}

bool host_mounts_mention(const std::string& text) {
  return harness::read_file("/proc/self/mountinfo").value_or("").find(text) != std::string::npos;
}

json all_sets(const std::vector<std::string>& caps) {
  return {{"bounding", caps}, {"effective", caps}, {"inheritable", json::array()}, {"permitted", caps},
          {"ambient", json::array()}};
}

}  // namespace

TEST_CASE("process.capabilities: the sets are what the spec says, and a missing one is felt", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["process"]["capabilities"] = all_sets({"CAP_KILL", "CAP_NET_BIND_SERVICE"});
  // CAP_KILL is 5, CAP_NET_BIND_SERVICE 10: 0x420.
  std::string status = shell_output(f, config, "grep ^Cap /proc/self/status");
  CHECK_THAT(status, Catch::Contains("CapBnd:\t0000000000000420"));
  CHECK_THAT(status, Catch::Contains("CapEff:\t0000000000000420"));
  CHECK_THAT(status, Catch::Contains("CapPrm:\t0000000000000420"));
  // Without CAP_CHOWN even root cannot give a file away.
  auto chown = shell(f, config, "touch /tmp/f && chown 1 /tmp/f");
  CHECK(chown.status != 0);
  CHECK_THAT(chown.err, Catch::Contains("Operation not permitted"));
  config["process"]["capabilities"] = all_sets({"CAP_CHOWN"});
  CHECK(shell(f, config, "touch /tmp/f && chown 1 /tmp/f").status == 0);
}

TEST_CASE("process.capabilities: ambient ones reach a program run by another user", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  json caps = all_sets({"CAP_NET_BIND_SERVICE"});
  caps["inheritable"] = caps["ambient"] = {"CAP_NET_BIND_SERVICE"};
  config["process"]["capabilities"] = caps;
  std::string status = shell_output(f, config, "grep -E '^(Uid|CapEff|CapAmb)' /proc/self/status");
  CHECK_THAT(status, Catch::Contains("Uid:\t1000"));
  CHECK_THAT(status, Catch::Contains("CapAmb:\t0000000000000400"));
  CHECK_THAT(status, Catch::Contains("CapEff:\t0000000000000400"));
}

TEST_CASE("process.noNewPrivileges sets no_new_privs", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  CHECK_THAT(shell_output(f, config, "grep NoNewPrivs /proc/self/status"), Catch::Contains("NoNewPrivs:\t1"));  // the default
  config["process"]["noNewPrivileges"] = false;
  CHECK_THAT(shell_output(f, config, "grep NoNewPrivs /proc/self/status"), Catch::Contains("NoNewPrivs:\t0"));
}

TEST_CASE("linux.seccomp: a denied call fails with the errno asked for, in exec'd processes too", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
      {"syscalls",
       {{{"names", {"mkdir", "mkdirat", "no_such_syscall"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 38}},
        // Only kill(pid, SIGUSR1): a rule on an argument's value.
        {{"names", {"kill"}}, {"action", "SCMP_ACT_ERRNO"}, {"args", {{{"index", 1}, {"value", 10}, {"op", "SCMP_CMP_EQ"}}}}}}}};
  auto mkdir = shell(f, config, "mkdir /tmp/d");
  CHECK(mkdir.status != 0);
  CHECK_THAT(mkdir.err, Catch::Contains("Function not implemented"));  // errno 38, ENOSYS
  auto kill = shell(f, config, "kill -0 $$ && echo zero-ok; kill -USR1 $$");
  CHECK(kill.out == "zero-ok\n");
  CHECK_THAT(kill.err, Catch::Contains("Operation not permitted"));
  // Processes started by exec get the container's filter as well.
  f.create_and_start("filtered", [&] {
    json c = config;
    c["process"]["args"] = {"sleep", "100"};
    return c;
  }());
  auto exec = f.minirun({"exec", "filtered", "--", "sh", "-c", "grep Seccomp: /proc/self/status; mkdir /tmp/x"});
  CHECK_THAT(exec.out, Catch::Contains("Seccomp:\t2"));
  CHECK_THAT(exec.err, Catch::Contains("Function not implemented"));
  f.remove("filtered");
}

TEST_CASE("linux.seccomp: an unknown action is refused at create", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"true"});
  config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_MAYBE"}};
  auto result = f.run("bad-seccomp", config);
  require_one_error_line(result, "run");
  CHECK_THAT(result.err, Catch::Contains("unknown action \"SCMP_ACT_MAYBE\""));
  CHECK(f.containers().empty());
}

TEST_CASE("process.rlimits, oomScoreAdj and user.umask", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  config["process"]["oomScoreAdj"] = 500;
  config["process"]["user"]["umask"] = 63;  // 0077
  std::string out = shell_output(f, config, "grep 'open files' /proc/self/limits; cat /proc/self/oom_score_adj; umask");
  CHECK_THAT(out, Catch::Matches("Max open files +100 +200 +files *\n500\n0077\n"));
}

TEST_CASE("linux.sysctl: settings of the container's namespaces, and only those", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["linux"]["sysctl"] = {{"kernel.shmmax", "123456789"}, {"net.ipv4.ip_forward", "1"}};
  CHECK(shell_output(f, config, "cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward") == "123456789\n1\n");
  // kernel.panic belongs to no namespace: setting it would change the host.
  config["linux"]["sysctl"] = {{"kernel.panic", "1"}};
  auto refused = shell(f, config, "true");
  require_one_error_line(refused, "run");
  CHECK_THAT(refused.err, Catch::Contains("\"kernel.panic\" is not owned by a namespace"));
}

TEST_CASE("linux.devices and resources.devices: nodes made, others denied by the devices cgroup", "[spec][security]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["process"].erase("capabilities");  // root with every capability, CAP_MKNOD among them
  config["linux"]["resources"].erase("devices");
  config["linux"]["devices"] = {{{"path", "/dev/mynull"}, {"type", "c"}, {"major", 1}, {"minor", 3},
                                 {"fileMode", 0600}, {"uid", 1}, {"gid", 2}}};
  std::string node = shell_output(f, config, "ls -ln /dev/mynull; echo x > /dev/mynull && echo written");
  CHECK_THAT(node, Catch::Matches("crw------- +1 1 +2 +1, +3 .*\nwritten\n"));
  // No rules: root may make and open any device. "Deny all" (what podman sends): only the ones
  // minirun puts in /dev, and those of linux.devices, stay usable.
  CHECK(shell(f, config, "mknod /dev/mem2 c 1 1").status == 0);
  config["linux"]["resources"]["devices"] = {{{"allow", false}, {"access", "rwm"}}};
  auto denied = shell(f, config, "echo x > /dev/mynull && echo null-ok; mknod /dev/mem2 c 1 1");
  CHECK(denied.out == "null-ok\n");
  CHECK_THAT(denied.err, Catch::Contains("Operation not permitted"));
}

TEST_CASE("linux.resources.memory.reservation becomes the soft limit", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["linux"]["resources"]["memory"] = {{"reservation", 8 << 20}};
  std::string file = cgroup_v2() ? "/sys/fs/cgroup/memory.low" : "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes";
  CHECK(shell_output(f, config, "cat " + file) == std::to_string(8 << 20) + "\n");
}

TEST_CASE("a user namespace: root inside is an unprivileged id outside, exec joins it", "[spec][security][userns]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  // The container's root is uid 100000 on the host: the bind source must be reachable by it.
  harness::TempDir shared_dir;
  REQUIRE(::chmod(shared_dir.path().c_str(), 0777) == 0);
  std::string shared = shared_dir.path();
  json config = f.default_config({});
  config["linux"]["namespaces"].push_back({{"type", "user"}});
  config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}};
  config["mounts"].push_back({{"destination", "/root"}, {"type", "bind"}, {"source", shared}, {"options", {"rbind"}}});
  std::string out = shell_output(f, config, "id -u; cat /proc/self/uid_map; echo x > /dev/null && touch /root/made-inside && echo ok");
  CHECK_THAT(out, Catch::Matches("0\n +0 +100000 +65536\nok\n"));
  // Seen from the host, the file belongs to the mapped ids, not to root.
  struct stat st {};
  REQUIRE(::stat((shared + "/made-inside").c_str(), &st) == 0);
  CHECK(st.st_uid == 100000);
  CHECK(st.st_gid == 200000);
  config["process"]["args"] = {"sleep", "100"};
  f.create_and_start("userns", config);
  auto exec = f.minirun({"exec", "userns", "--", "sh", "-c", "id -u; cat /proc/self/gid_map"});
  CHECK_THAT(exec.out, Catch::Matches("0\n +0 +200000 +65536\n"));
  f.remove("userns");
}

// Before pivot_root the host's file system is still there: a destination joined to the rootfs
// path would follow the image's symlinks onto the host. They resolve inside the root instead.
TEST_CASE("mount destinations through symlinks pointing outside stay inside the root", "[spec][security][symlink]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string rootfs = f.copy_of_rootfs();
  std::string absolute = f.path("host-absolute"), relative = f.path("host-relative"), missing = f.path("host-missing"),
              devices = f.path("host-devices"), source = f.path("bind-source");
  for (const auto& dir : {absolute, relative, devices, source}) REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  harness::write_file(source + "/marker", "from the bind source\n");
  make_symlink(absolute, rootfs + "/etc/absolute");
  make_symlink("../../../../../../../.." + relative, rootfs + "/etc/relative");
  make_symlink(missing + "/sub", rootfs + "/etc/missing");  // neither there nor on the host
  make_symlink(devices, rootfs + "/etc/devices");

  json config = f.default_config({});
  config["root"]["path"] = rootfs;
  config["mounts"].push_back({{"destination", "/etc/absolute"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
  config["mounts"].push_back({{"destination", "/etc/relative"}, {"type", "bind"}, {"source", source}, {"options", {"rbind", "ro"}}});
  config["mounts"].push_back({{"destination", "/etc/missing"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
  config["linux"]["devices"] = {{{"path", "/etc/devices/mynull"}, {"type", "c"}, {"major", 1}, {"minor", 3}}};
  // Inside, each symlink leads to its mount (or node): the place it names, within the root.
  auto inside = shell(f, config,
                      "cat /etc/relative/marker && touch /etc/absolute/x && test -d /etc/missing && "
                      "test -c /etc/devices/mynull && grep -c -e ' " + absolute + " ' -e ' " + relative + " ' -e ' " +
                          missing + "/sub ' /proc/self/mountinfo");
  INFO("stderr: " << inside.err);
  CHECK(inside.status == 0);
  CHECK(inside.out == "from the bind source\n3\n");
  // On the host: nothing made, nothing mounted.
  CHECK(harness::list_directory(absolute).empty());
  CHECK(harness::list_directory(relative).empty());
  CHECK(harness::list_directory(devices).empty());
  CHECK_FALSE(harness::path_exists(missing));
  CHECK_FALSE(host_mounts_mention(f.path("host-")));
}

TEST_CASE("a dangling symlink in the image is made inside the root, as runc does", "[spec][symlink]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string rootfs = f.copy_of_rootfs();
  // What images managed by systemd-resolved ship: a relative link to a file that is not there.
  REQUIRE(::unlink((rootfs + "/etc/resolv.conf").c_str()) == 0);
  make_symlink("../run/resolve/stub-resolv.conf", rootfs + "/etc/resolv.conf");
  harness::write_file(f.path("resolv.conf"), "nameserver 192.0.2.1\n");
  json config = f.default_config({});
  config["root"]["path"] = rootfs;
  config["mounts"].push_back({{"destination", "/etc/resolv.conf"}, {"type", "bind"}, {"source", f.path("resolv.conf")},
                              {"options", {"rbind", "ro"}}});
  CHECK(shell_output(f, config, "cat /etc/resolv.conf") == "nameserver 192.0.2.1\n");
  // The mount point was made where the link points, in the image, as an empty file.
  CHECK(harness::read_file(rootfs + "/run/resolve/stub-resolv.conf").value_or("absent") == "");
}

TEST_CASE("a root.path that is a symlink is followed", "[spec][symlink]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  make_symlink(kRootfs, f.path("root-link"));
  json config = f.default_config({});
  config["root"]["path"] = f.path("root-link");
  CHECK(shell_output(f, config, "echo inside; test -x /bin/probe && echo probe-there") == "inside\nprobe-there\n");
}
