// Rows of the isolation matrix from step02 on: UTS, network, IPC and mount namespaces.
#include "stage.hpp"

#include "../harness/files.hpp"

#include <catch2/catch.hpp>

#include <limits.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <set>

using namespace matrix;

namespace {

std::string host_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  REQUIRE(gethostname(name, sizeof name) == 0);
  return name;
}

std::string host_namespace_inode(const std::string& name) {
  struct stat info {};
  REQUIRE(stat(("/proc/self/ns/" + name).c_str(), &info) == 0);
  return std::to_string(info.st_ino);
}

// A SysV IPC key no queue on the host uses yet.
key_t unused_ipc_key() {
  std::random_device random;
  for (;;) {
    auto key = static_cast<key_t>(std::uniform_int_distribution<int>(100000, INT_MAX)(random));
    if (msgget(key, 0) == -1 && errno == ENOENT) return key;
  }
}

}  // namespace

TEST_CASE("the hostname inside is the one asked for and the host's is unchanged", "[from-step02]") {
  Matrix m;
  std::string before = host_hostname();
  Options options;
  options.hostname = "matrix-uts";
  auto result = m.run(options, m.probe({"hostname"}));
  CHECK(result.status == 0);
  MATRIX_CHECK(result.out == "matrix-uts\n", "the hostname inside is not the one given with --hostname");
  MATRIX_CHECK(host_hostname() == before,
               "the host's hostname changed: the container is not in a new UTS namespace (CLONE_NEWUTS)");
}

TEST_CASE("a new network namespace holds only lo", "[from-step02]") {
  Matrix m;
  auto result = m.run(m.probe({"netdevs"}));
  REQUIRE(result.status == 0);
  auto devices = parse_pairs(result.out);
  MATRIX_CHECK((devices.size() == 1 && devices.contains("lo")),
               "the container sees network devices other than lo: it is not in a new network namespace"
               " (CLONE_NEWNET)");
}

// The steps leave the loopback device as the kernel makes it: down. (runc brings lo up; whether
// minirun does is minirun's own business.)
TEST_CASE("lo is down in the new network namespace", "[from-step02][not-minirun]") {
  Matrix m;
  auto result = m.run(m.probe({"netdevs"}));
  REQUIRE(result.status == 0);
  CHECK(result.out == "lo down\n");
}

TEST_CASE("the IPC namespace is new and a queue made inside is not visible outside", "[from-step02]") {
  Matrix m;
  auto inside = m.run(m.probe({"ns"}));
  REQUIRE(inside.status == 0);
  auto namespaces = parse_pairs(inside.out);
  REQUIRE(namespaces.contains("ipc"));
  MATRIX_CHECK(namespaces["ipc"] != host_namespace_inode("ipc"),
               "the container is not in a new IPC namespace (CLONE_NEWIPC): its IPC namespace is the host's");

  key_t key = unused_ipc_key();
  auto created = m.run(m.probe({"ipc-create", std::to_string(key)}));
  REQUIRE(created.status == 0);
  errno = 0;
  int seen = msgget(key, 0);
  int error = errno;
  if (seen != -1) msgctl(seen, IPC_RMID, nullptr);  // it reached the host: do not leave it there
  MATRIX_CHECK((seen == -1 && error == ENOENT),
               "a message queue made inside the container is visible on the host: the container is not in a"
               " new IPC namespace (CLONE_NEWIPC)");
}

TEST_CASE("an unknown namespace name in --ns is an error and nothing is created", "[from-step02][not-minirun]") {
  Matrix m;
  Options options;
  options.raw = {"--ns", "pid,bogus"};
  m.require_stage_error(m.run(options, m.probe({"pid"})), "--ns pid,bogus");
}

TEST_CASE("a hostname longer than 64 bytes is an error and nothing is created", "[from-step02]") {
  Matrix m;
  Options options;
  options.hostname = std::string(65, 'h');
  m.require_stage_error(m.run(options, m.probe({"hostname"})), "--hostname of 65 bytes");
}

TEST_CASE("the host's mount table is the same before and after", "[from-step03]") {
  Matrix m;
  auto before = harness::read_file("/proc/self/mountinfo");
  REQUIRE(before);
  auto inside = m.run(m.probe({"mounts"}));
  REQUIRE(inside.status == 0);
  CHECK(inside.out != *before);  // the container did mount something (its /proc) ...
  auto after = harness::read_file("/proc/self/mountinfo");
  // ... and none of it reached the host (here the test's own mount namespace, whose / is shared as
  // systemd makes it: see harness/sandbox.hpp).
  const std::string not_private =
      "a mount made inside the container appeared on the host: mounts are not private (make every mount"
      " private, MS_REC|MS_PRIVATE on /, before the container mounts anything)";
  MATRIX_CHECK(after.has_value(), "the host's /proc/self/mountinfo is unreadable after the container ran: the"
                                  " container's proc was mounted over the host's /proc; "
                                      << not_private);
  if (after) MATRIX_CHECK(*after == *before, not_private);
}
