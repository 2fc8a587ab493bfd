// podman drives minirun through conmon exactly as it drives runc: every test runs the same
// commands with runc (the reference) and with minirun and expects the same results.

#include "engines.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace engines;

namespace {

constexpr const char* kImage = Podman::kImage;

}  // namespace

TEST_CASE("podman run --rm: output and exit status pass through", "[podman]") {
  harness::LeakGuard guard;
  Podman podman;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    auto result = podman.run(runtime, {"run", "--rm", kImage, "sh", "-c", "echo hello from $(hostname); exit 3"});
    CHECK(result.status == 3);
    CHECK_THAT(result.out, Catch::StartsWith("hello from "));
    auto missing = podman.run(runtime, {"run", "--rm", kImage, "/no/such/program"});
    CHECK(missing.status == 127);
  }
}

TEST_CASE("podman run -d, exec, stop, rm", "[podman]") {
  harness::LeakGuard guard;
  Podman podman;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    std::string name = "detached-" + runtime.name;
    // `trap` so that stop's SIGTERM ends it: PID 1 ignores signals it has no handler for.
    auto started = podman.run(runtime, {"run", "-d", "--name", name, kImage, "sh", "-c",
                                        "trap 'exit 0' TERM; while true; do sleep 0.1; done"});
    INFO(started.err);
    REQUIRE(started.status == 0);
    auto exec = podman.run(runtime, {"exec", name, "sh", "-c", "echo pid1 is $(cat /proc/1/comm); exit 4"});
    CHECK(exec.status == 4);
    CHECK(exec.out == "pid1 is sh\n");
    CHECK_THAT(podman.run(runtime, {"ps", "--format", "{{.Names}} {{.Status}}"}).out, Catch::Contains(name + " Up"));
    CHECK(podman.run(runtime, {"stop", "--time", "10", name}).status == 0);
    CHECK(podman.run(runtime, {"inspect", "--format", "{{.State.ExitCode}}", name}).out == "0\n");
    CHECK(podman.run(runtime, {"rm", name}).status == 0);
    CHECK(podman.run(runtime, {"ps", "--all", "--quiet"}).out.empty());
  }
}

TEST_CASE("podman run --memory: the OOM killer's kill is exit status 137", "[podman][cgroups]") {
  harness::LeakGuard guard;
  Podman podman;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    auto result = podman.run(runtime, {"run", "--rm", "--memory", "16m", "--memory-swap", "16m", kImage, "sh", "-c",
                                       "x=a; while true; do x=$x$x; done"});
    CHECK(result.status == 137);
  }
}

TEST_CASE("podman run --pids-limit: the limit is the container's, and holds", "[podman][cgroups]") {
  harness::LeakGuard guard;
  Podman podman;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    auto result = podman.run(runtime, {"run", "--rm", "--pids-limit", "5", kImage, "sh", "-c",
                                       "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; "
                                       "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"});
    CHECK(result.out == "5\n");
    CHECK_THAT(result.err, Catch::Contains("can't fork"));
  }
}

TEST_CASE("podman run -t: the program has a terminal", "[podman][console]") {
  harness::LeakGuard guard;
  Podman podman;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    auto result = podman.run(runtime, {"run", "--rm", "-t", kImage, "sh", "-c", "tty; stty size"});
    CHECK(result.status == 0);
    CHECK_THAT(result.out, Catch::StartsWith("/dev/pts/0\r\n"));
    podman.run(runtime, {"run", "-d", "--name", "tty-" + runtime.name, kImage, "sleep", "100"});
    auto exec = podman.run(runtime, {"exec", "-t", "tty-" + runtime.name, "tty"});
    CHECK(exec.status == 0);
    CHECK_THAT(exec.out, Catch::StartsWith("/dev/pts/"));
    CHECK(podman.run(runtime, {"rm", "--force", "--time", "0", "tty-" + runtime.name}).status == 0);
  }
}

TEST_CASE("podman's default seccomp profile and capabilities are enforced", "[podman][security]") {
  harness::LeakGuard guard;
  Podman podman;
  std::string helper = kSysfsCall + ":/sysfs-call:ro";
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    // sysfs(2) is in the profile's list of denied calls (errno 1, EPERM).
    CHECK(podman.run(runtime, {"run", "--rm", "-v", helper, kImage, "/sysfs-call"}).out == "EPERM\n");
    auto unconfined = podman.run(runtime, {"run", "--rm", "-v", helper, "--security-opt", "seccomp=unconfined",
                                           kImage, "/sysfs-call"});
    CHECK_THAT(unconfined.out, Catch::Matches("[0-9]+\n"));
    auto status = podman.run(runtime, {"run", "--rm", kImage, "grep", "-E", "^(CapBnd|Seccomp):", "/proc/self/status"});
    CHECK(status.out == "CapBnd:\t00000000a80425fb\nSeccomp:\t2\n");  // podman's 11 default capabilities
    auto dropped = podman.run(runtime, {"run", "--rm", "--cap-drop", "all", kImage, "grep", "^CapBnd:", "/proc/self/status"});
    CHECK(dropped.out == "CapBnd:\t0000000000000000\n");
  }
}

TEST_CASE("podman run --uidmap: the container's root is an unprivileged id outside", "[podman][userns]") {
  harness::LeakGuard guard;
  Podman podman;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    auto result = podman.run(runtime, {"run", "--rm", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", kImage,
                                       "sh", "-c", "id -u; cat /proc/self/uid_map; echo > /dev/null && echo devices-ok"});
    INFO(result.err);
    CHECK(result.status == 0);
    CHECK_THAT(result.out, Catch::Matches("0\n +0 +100000 +65536\ndevices-ok\n"));
  }
}

TEST_CASE("podman run --cpuset-cpus 0: the program runs on CPU 0 alone", "[podman][cgroups]") {
  harness::LeakGuard guard;
  Podman podman;
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    auto result = podman.run(runtime, {"run", "--rm", "--cpuset-cpus", "0", kImage, "grep", "^Cpus_allowed_list:", "/proc/self/status"});
    INFO(result.err);
    CHECK(result.out == "Cpus_allowed_list:\t0\n");
  }
}

TEST_CASE("podman run --device-read-bps: the block I/O throttle is the container's", "[podman][cgroups]") {
  harness::LeakGuard guard;
  Podman podman;
  std::string name, device;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/block")) {
    auto dev = harness::read_file(entry.path() / "dev");
    name = entry.path().filename();
    if (dev && harness::path_exists("/dev/" + name)) {
      device = harness::trim(*dev);
      break;
    }
  }
  if (device.empty()) harness::skip("this machine has no block device");
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    auto result = podman.run(runtime, {"run", "--rm", "--device-read-bps", "/dev/" + name + ":1mb", kImage, "sh", "-c",
                                       "cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/io.max 2>/dev/null"});
    INFO(result.err);
    CHECK_THAT(result.out, Catch::Matches(device + " (1048576|rbps=1048576 wbps=max riops=max wiops=max)\n"));
  }
}

TEST_CASE("podman run -v SRC:DEST:rshared: a mount made inside reaches the host, as Kubernetes' Bidirectional needs", "[podman][mounts]") {
  harness::LeakGuard guard;
  Podman podman;
  harness::TempDir tmp;
  std::string shared = tmp / "shared";
  // The source must sit on a shared mount: a tmpfs of the test's own, made shared, unmounted at the end.
  REQUIRE(harness::run({"sh", "-c", "mkdir " + shared + " && mount -t tmpfs shared " + shared + " && mount --make-shared " +
                                       shared + " && mkdir " + shared + "/minirun " + shared + "/runc"}).status == 0);
  for (const auto& runtime : runtimes()) {
    INFO("runtime: " << runtime.name);
    std::string inside = shared + "/" + runtime.name;
    auto result = podman.run(runtime, {"run", "--rm", "--cap-add", "SYS_ADMIN", "-v", inside + ":/mnt:rshared", kImage, "sh", "-c",
                                       "grep -c ' /mnt .* shared:' /proc/self/mountinfo; mkdir /mnt/sub && mount -t tmpfs inner /mnt/sub"});
    INFO(result.err);
    CHECK(result.out == "1\n");
    std::string mounts = harness::read_file("/proc/self/mountinfo").value_or("");
    CHECK_THAT(mounts, Catch::Contains(" " + inside + "/sub "));
    harness::run({"umount", inside + "/sub"});
  }
  CHECK(harness::run({"umount", shared}).status == 0);
}

// An image podman built, in the two forms its tools write (podman save: gzip; podman push: zstd):
// minirun unpacks and stacks its layers, and the container sees the very tree `podman run` shows.
TEST_CASE("minirun run --image of a podman-built image: the same tree as podman run", "[podman][image]") {
  harness::LeakGuard guard;
  Podman podman;
  const Runtime builder = runtimes().front();  // runc when installed
  harness::TempDir work;
  std::filesystem::create_directories(work / "context");
  REQUIRE(harness::run({"cp", "-a", kRootfs, work / "context/rootfs"}).status == 0);
  // Three layers: the rootfs; files under /srv; then a whiteout (gone), an opaque directory (full,
  // removed and made again), a mode, a symlink and a hard link.
  harness::write_file(work / "context/Containerfile",
                      "FROM scratch\n"
                      "COPY rootfs/ /\n"
                      "RUN mkdir -p /srv/full && echo a > /srv/full/a && echo gone > /srv/gone && echo kept > /srv/kept\n"
                      "RUN rm /srv/gone && rm -rf /srv/full && mkdir /srv/full && echo c > /srv/full/c && "
                      "echo added > /srv/added && chmod 0600 /srv/added && ln -s added /srv/link && ln /srv/kept /srv/hard\n");
  const std::string image = "localhost/minirun-image-test:latest";
  auto built = podman.run(builder, {"build", "--quiet", "--tag", image, work / "context"}, std::chrono::seconds(180));
  INFO(built.err);
  REQUIRE(built.status == 0);
  REQUIRE(podman.run(builder, {"save", "--format", "oci-dir", "--output", work / "saved", image}).status == 0);
  REQUIRE(podman.run(builder, {"push", "--compression-format", "zstd", image, "oci:" + (work / "pushed") + ":zstd"}).status == 0);

  // Every name under / but the kernel's file systems and what an engine mounts in: mode, owner, type,
  // symlink target, and each file's checksum.
  const std::string tree =
      "cd / && find . -xdev \\( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./etc/hosts"
      " -o -path ./etc/hostname -o -path ./etc/resolv.conf -o -path ./etc/mtab \\) -prune -o -print | sort > /tmp/names;"
      " xargs stat -c '%n %a %u:%g %F %N' < /tmp/names | grep -v '^./tmp'; grep -v '^./tmp' /tmp/names |"
      " while read -r name; do [ -f \"$name\" ] && [ ! -L \"$name\" ] && echo \"$name\"; done | xargs md5sum";
  auto seen_by_podman = podman.run(builder, {"run", "--rm", image, "sh", "-c", tree});
  REQUIRE(seen_by_podman.status == 0);
  CHECK_THAT(seen_by_podman.out, Catch::Contains("./srv/full/c 644 0:0 regular file") &&
                                     Catch::Contains("./srv/link 777 0:0 symbolic link './srv/link' -> 'added'"));
  CHECK_THAT(seen_by_podman.out, !Catch::Contains("./srv/gone") && !Catch::Contains("./srv/full/a"));
  for (const std::string& layout : {work / "saved", work / "pushed:zstd"}) {
    INFO("image: " << layout);
    auto seen = harness::run({kMinirun, "--root", work / "state", "run", "--image", layout, "--store", work / "store",
                              "image-from-podman", "--", "sh", "-c", tree});
    INFO(seen.err);
    CHECK(seen.status == 0);
    CHECK(seen.out == seen_by_podman.out);
  }
}
