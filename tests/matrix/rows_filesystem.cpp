// Rows of the isolation matrix from step05 on: the overlay root, the chroot escape, pivot_root.
#include "stage.hpp"

#include "../harness/files.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <set>
#include <sstream>

using namespace matrix;

namespace {

// A private copy of the test rootfs, so a test can prove the lower layer is never written.
std::string copy_of_rootfs(const Matrix& m) {
  std::string lower = m.tmp() / "lower";
  auto copied = harness::run({"cp", "-a", m.rootfs(), lower});
  INFO("cp -a " << m.rootfs() << " " << lower << ": " << copied.err);
  REQUIRE(copied.status == 0);
  return lower;
}

std::string make_dir(const std::string& path) {
  REQUIRE(mkdir(path.c_str(), 0755) == 0);
  return path;
}

// A file only the host has: inside a container with its own root it must not be reachable.
std::string host_only_marker(const Matrix& m) {
  std::string marker = m.tmp() / "host-only-marker";
  harness::write_file(marker, "on the host\n");
  return marker;
}

struct MountLine {
  std::string root, point, fstype, source;
};

std::vector<MountLine> parse_mountinfo(const std::string& text) {
  std::vector<MountLine> mounts;
  for (const auto& line : harness::split_lines(text)) {
    std::istringstream fields(line);
    MountLine mount;
    std::string id, parent, device, field;
    fields >> id >> parent >> device >> mount.root >> mount.point;
    while (fields >> field && field != "-") {
    }
    fields >> mount.fstype >> mount.source;
    mounts.push_back(mount);
  }
  return mounts;
}

}  // namespace

TEST_CASE("writes land in --upper and the lower layer is unchanged", "[from-step05][not-minirun]") {
  Matrix m;
  std::string lower = copy_of_rootfs(m);
  std::string upper = make_dir(m.tmp() / "upper");
  std::string checksum = harness::tree_checksum(lower);
  Options options;
  options.rootfs = {lower};
  options.upper = upper;
  auto result = m.run(options, m.probe({"write", "/written-inside", "hello"}));
  REQUIRE(result.status == 0);
  MATRIX_CHECK((!harness::path_exists(lower + "/written-inside") && harness::tree_checksum(lower) == checksum),
               "a write inside the container changed the lower layer (the image): the container's root must be"
               " the overlay's merged directory, whose writes go to --upper");
  MATRIX_CHECK(harness::read_file(upper + "/written-inside") == "hello",
               "a write inside the container did not land in --upper (the overlay's upperdir)");
}

TEST_CASE("deleting a lower file leaves a whiteout in the upper layer", "[from-step05][not-minirun]") {
  Matrix m;
  std::string lower = copy_of_rootfs(m);
  std::string upper = make_dir(m.tmp() / "upper");
  REQUIRE(harness::path_exists(lower + "/etc/group"));
  std::string checksum = harness::tree_checksum(lower);
  Options options;
  options.rootfs = {lower};
  options.upper = upper;
  REQUIRE(m.run(options, m.probe({"rm", "/etc/group"})).status == 0);
  // overlayfs marks a deleted lower file with a character device 0/0 of the same name.
  struct stat info {};
  REQUIRE(lstat((upper + "/etc/group").c_str(), &info) == 0);
  CHECK(S_ISCHR(info.st_mode));
  CHECK(info.st_rdev == makedev(0, 0));
  CHECK(harness::path_exists(lower + "/etc/group"));
  CHECK(harness::tree_checksum(lower) == checksum);
}

TEST_CASE("an upper layer given back as a lower layer stacks on the rootfs", "[from-step05][not-minirun]") {
  Matrix m;
  std::string lower = copy_of_rootfs(m);
  std::string layer = make_dir(m.tmp() / "layer");
  Options first;
  first.rootfs = {lower};
  first.upper = layer;
  REQUIRE(m.run(first, m.probe({"write", "/from-the-layer", "layered"})).status == 0);
  REQUIRE(m.run(first, m.probe({"rm", "/etc/group"})).status == 0);

  Options stacked;
  stacked.rootfs = {layer, lower};  // the first is the top
  auto file = m.run(stacked, m.probe({"cat", "/from-the-layer"}));
  CHECK(file.status == 0);
  CHECK(file.out == "layered");
  CHECK(m.run(stacked, m.probe({"exists", "/etc/group"})).status == 1);  // the whiteout hides it
  CHECK(m.run(stacked, m.probe({"exists", "/etc/passwd"})).status == 0);  // the rootfs shows through
}

// The lesson of step05: chroot changes where "/" is, not where the process is; step06 fixes it.
TEST_CASE("the chroot escape reaches the host's file system", "[from-step05][until-step05]") {
  Matrix m;
  std::string marker = host_only_marker(m);
  auto result = m.run(m.probe({"escape", marker}));
  CHECK(result.status == 0);
  MATRIX_CHECK(result.out == "escaped: " + marker + " is visible\n",
               "the chroot escape did not reach the host: in step05 the root is changed with chroot alone");
}

TEST_CASE("a missing rootfs is an error and nothing is created", "[from-step05]") {
  Matrix m;
  Options options;
  options.rootfs = {m.tmp() / "no-such-rootfs"};
  m.require_stage_error(m.run(options, m.probe({"pid"})), "--rootfs that does not exist");
}

TEST_CASE("a host-only file is unreachable inside", "[from-step06]") {
  Matrix m;
  std::string marker = host_only_marker(m);
  auto result = m.run(m.probe({"exists", marker}));
  MATRIX_CHECK((result.status == 1 && result.out.find("does not exist") != std::string::npos),
               "a file only the host has is reachable inside the container: its root is still the host's");
}

TEST_CASE("the mount table inside names no host path", "[from-step06]") {
  Matrix m;
  auto result = m.run(m.probe({"mounts"}));
  REQUIRE(result.status == 0);
  auto inside = parse_mountinfo(result.out);
  auto host_text = harness::read_file("/proc/self/mountinfo");
  REQUIRE(host_text);
  auto host = parse_mountinfo(*host_text);
  REQUIRE(!inside.empty());

  std::set<std::string> host_points;
  MountLine host_root;
  for (const auto& mount : host) {
    host_points.insert(mount.point);
    if (mount.point == "/") host_root = mount;
  }
  for (const auto& mount : inside) {
    INFO("mount inside: " << mount.fstype << " " << mount.source << " on " << mount.point);
    // The directories the stage was given exist only on the host.
    CHECK(mount.point.find(m.rootfs()) == std::string::npos);
    CHECK(mount.point.find(m.tmp().path()) == std::string::npos);
    // The host's root file system mounted again somewhere: the old root was not detached.
    MATRIX_CHECK(!(mount.root == "/" && mount.fstype == host_root.fstype && mount.source == host_root.source &&
                   mount.point != "/"),
                 "the host's root file system is still mounted inside the container, at "
                     << mount.point << ": the old root was not detached (umount2 with MNT_DETACH after pivot_root)");
    // A host mount reappearing under a new prefix (/.oldroot/sys/kernel/security, ...).
    for (const auto& point : host_points) {
      bool deep = std::count(point.begin(), point.end(), '/') >= 2;
      if (deep && mount.point.size() > point.size() && mount.point.ends_with(point)) {
        FAIL_CHECK("host mount " << point << " reappears inside as " << mount.point
                                 << "\n=> the old root was not detached (umount2 with MNT_DETACH after pivot_root)");
      }
    }
  }
}

// minirun's default drops CAP_SYS_CHROOT, so the climb cannot begin there (escape_tests.cpp checks that).
TEST_CASE("the chroot escape no longer reaches the host", "[from-step06][not-minirun]") {
  Matrix m;
  std::string marker = host_only_marker(m);
  auto result = m.run(m.probe({"escape", marker}));
  MATRIX_CHECK((result.status == 1 && result.out.starts_with("escape failed: " + marker + " is not visible")),
               "the chroot escape reached the host: the root was changed with chroot, or pivot_root left the old"
               " root attached");
}

TEST_CASE("/dev/null is writable inside", "[from-step06]") {
  Matrix m;
  auto result = m.run(m.probe({"write", "/dev/null", "discarded"}));
  CHECK(result.status == 0);
  // The device swallows what it is given; a plain file named /dev/null would keep it.
  auto read_back = m.run(m.probe({"cat", "/dev/null"}));
  CHECK(read_back.status == 0);
  CHECK(read_back.out.empty());
}

TEST_CASE("/sys is read-only inside", "[from-step06]") {
  Matrix m;
  auto result = m.run(m.probe({"touch", "/sys/matrix-probe"}));
  CHECK(result.status == 1);
  CHECK(result.out.find("EROFS") != std::string::npos);
}
