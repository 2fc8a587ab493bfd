// The linux.resources fields beyond memory, pids and cpu time, and linux.rootfsPropagation: each
// lands in the container's cgroup (or mount table) on v1, v2 and hybrid machines, or is refused with
// one line naming the field where the machine lacks the controller; the fields current kernels no
// longer have are accepted, and --debug says why they are ignored.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace minirun_tests;
using nlohmann::json;

namespace {

std::string read(const std::string& file) { return harness::trim(harness::read_file(file).value_or("(missing)")); }

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The container's directory for `controller`, and whether this machine has that controller for it.
struct Place {
  std::string dir;
  bool available;
};

Place place_of(const std::string& controller, const std::string& path) {
  if (cgroup_v2()) {
    bool listed = read("/sys/fs/cgroup/cgroup.controllers").find(controller) != std::string::npos;
    return {"/sys/fs/cgroup" + path, listed};
  }
  return {cgroup_dir(controller, path), exists("/sys/fs/cgroup/" + controller)};
}

// A config with `resources` and a cgroupsPath of its own, created (not started) as `id`; returns the path.
std::string create_with(const Fixture& f, const std::string& id, const json& resources) {
  json config = f.default_config(kSleep);
  config["linux"]["resources"] = resources;
  std::string path = "/" + Fixture::unique("minirun-test-" + id);
  config["linux"]["cgroupsPath"] = path;
  f.create(id, config);
  return path;
}

// Where the machine lacks the controller: the create is refused with one line naming `field`, and
// nothing is left.
void require_refused(const Fixture& f, const json& resources, const std::string& field) {
  json config = f.default_config(kSleep);
  config["linux"]["resources"] = resources;
  CHECK_THAT(f.create_refused(Fixture::unique("refused"), config).err, Catch::Contains(field));
}

// The line of /proc/self/mountinfo (as the container sees it) whose mount point is "/".
std::string root_mount_line(const Fixture& f, json config) {
  std::istringstream mountinfo(f.output_of(std::move(config), {"/bin/probe", "cat", "/proc/self/mountinfo"}));
  std::string root;
  for (std::string line; std::getline(mountinfo, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, source, point;
    fields >> id >> parent >> device >> source >> point;
    if (point == "/") root = line;  // the last one is the one on top
  }
  return root;
}

// A huge page size this machine has, as the kernel names its hugetlb files ("2MB"); empty if none.
std::string a_huge_page_size() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/kernel/mm/hugepages", error)) {
    std::string name = entry.path().filename();  // hugepages-2048kB
    uint64_t kb = std::stoull(name.substr(name.find('-') + 1));
    return kb >= 1048576 ? std::to_string(kb / 1048576) + "GB" : kb >= 1024 ? std::to_string(kb / 1024) + "MB" : std::to_string(kb) + "KB";
  }
  return "";
}

// "MAJ:MIN" of a whole block device of this machine, if it has one.
std::string a_block_device() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/block", error)) {
    auto dev = harness::read_file(entry.path() / "dev");
    if (dev) return harness::trim(*dev);
  }
  return "";
}

}  // namespace

TEST_CASE("resources.cpu.cpus and mems: the container runs on the CPUs it was given", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"/bin/probe", "cat", "/proc/self/status"});
  config["linux"]["resources"] = {{"cpu", {{"cpus", "0"}, {"mems", "0"}}}};
  std::string status = f.output_of(config, {"/bin/probe", "cat", "/proc/self/status"});
  CHECK_THAT(status, Catch::Contains("Cpus_allowed_list:\t0\n") && Catch::Contains("Mems_allowed_list:\t0\n"));
  std::string path = create_with(f, "cpuset", {{"cpu", {{"cpus", "0"}, {"mems", "0"}}}});
  CHECK(read(place_of("cpuset", path).dir + "/cpuset.cpus") == "0");
  f.remove("cpuset");
}

TEST_CASE("resources.memory: swappiness and disableOOMKiller on v1, ignored with a reason on v2", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json memory = {{"memory", {{"limit", 64 << 20}, {"swappiness", 10}, {"disableOOMKiller", true}}}};
  json config = f.default_config({"/bin/true"});
  config["linux"]["resources"] = memory;
  f.write_config(config);
  auto result = f.minirun({"--debug", "run", "--bundle", f.bundle(), Fixture::unique("memory")});
  INFO(result.err);
  REQUIRE(result.status == 0);
  if (cgroup_v2()) {
    CHECK_THAT(result.err, Catch::Contains("ignored linux.resources.memory.swappiness") &&
                               Catch::Contains("ignored linux.resources.memory.disableOOMKiller"));
  } else {
    std::string path = create_with(f, "memory", memory);
    std::string dir = cgroup_dir("memory", path);
    CHECK(read(dir + "/memory.swappiness") == "10");
    CHECK_THAT(read(dir + "/memory.oom_control"), Catch::Contains("oom_kill_disable 1"));
    f.remove("memory");
  }
}

TEST_CASE("resources.memory: the kernel's own limits and useHierarchy are accepted and ignored, as runc does", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"/bin/true"});
  config["linux"]["resources"] = {{"memory", {{"kernel", 64 << 20}, {"kernelTCP", 16 << 20}, {"useHierarchy", true}}}};
  f.write_config(config);
  auto result = f.minirun({"--debug", "run", "--bundle", f.bundle(), Fixture::unique("kernel-memory")});
  INFO(result.err);
  CHECK(result.status == 0);
  CHECK_THAT(result.err, Catch::Contains("ignored linux.resources.memory.kernel:") &&
                             Catch::Contains("ignored linux.resources.memory.kernelTCP:") &&
                             Catch::Contains("ignored linux.resources.memory.useHierarchy:"));
}

TEST_CASE("resources.hugepageLimits: the limit lands in the hugetlb controller, or is refused by name", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string size = a_huge_page_size();
  if (size.empty()) harness::skip("this machine has no huge pages");
  json resources = {{"hugepageLimits", {{{"pageSize", size}, {"limit", 4 << 20}}}}};
  Place hugetlb = place_of("hugetlb", "");
  if (!hugetlb.available) return require_refused(f, resources, "linux.resources.hugepageLimits");
  std::string path = create_with(f, "hugetlb", resources);
  std::string file = place_of("hugetlb", path).dir + "/hugetlb." + size + (cgroup_v2() ? ".max" : ".limit_in_bytes");
  CHECK(read(file) == std::to_string(4 << 20));
  f.remove("hugetlb");
}

TEST_CASE("resources.blockIO: throttles land in io.max or blkio.throttle, weights where a scheduler has them", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string device = a_block_device();
  if (device.empty()) harness::skip("this machine has no block device to throttle");
  int64_t major = std::stoll(device.substr(0, device.find(':'))), minor = std::stoll(device.substr(device.find(':') + 1));
  auto on_device = [&](uint64_t rate) { return json::array({{{"major", major}, {"minor", minor}, {"rate", rate}}}); };
  json resources = {{"blockIO", {{"throttleReadBpsDevice", on_device(1048576)}, {"throttleWriteBpsDevice", on_device(2097152)},
                                 {"throttleReadIOPSDevice", on_device(50)}, {"throttleWriteIOPSDevice", on_device(100)}}}};
  Place io = place_of(cgroup_v2() ? "io" : "blkio", "");
  if (!io.available) return require_refused(f, resources, "linux.resources.blockIO");
  std::string dir = place_of(cgroup_v2() ? "io" : "blkio", create_with(f, "blkio", resources)).dir;
  if (cgroup_v2()) {
    CHECK_THAT(read(dir + "/io.max"), Catch::Contains(device + " rbps=1048576 wbps=2097152 riops=50 wiops=100"));
  } else {
    CHECK(read(dir + "/blkio.throttle.read_bps_device") == device + " 1048576");
    CHECK(read(dir + "/blkio.throttle.write_bps_device") == device + " 2097152");
    CHECK(read(dir + "/blkio.throttle.read_iops_device") == device + " 50");
    CHECK(read(dir + "/blkio.throttle.write_iops_device") == device + " 100");
  }
  f.remove("blkio");
  // A weight needs an I/O scheduler that has weights (BFQ; CFQ before Linux 5.0), a device weight that
  // scheduler on the device: set, or refused with one line naming the field.
  json weights = {{"weight", 500}, {"weightDevice", {{{"major", major}, {"minor", minor}, {"weight", 300}}}}};
  for (const auto& [field, value] : weights.items()) {
    json config = f.default_config({"/bin/true"});
    config["linux"]["resources"] = {{"blockIO", {{field, value}}}};
    auto result = f.run(Fixture::unique("weight"), config);
    INFO(field << ": " << result.err);
    if (result.status != 0) {
      CHECK_THAT(result.err, Catch::Contains("linux.resources.blockIO." + field + ": "));
      continue;
    }
    dir = place_of(cgroup_v2() ? "io" : "blkio", create_with(f, "weight", {{"blockIO", {{field, value}}}})).dir;
    std::string prefix = field == "weight" ? "" : device + " ";
    std::string bfq = dir + (cgroup_v2() ? "/io.bfq.weight" : "/blkio.bfq.weight") + (cgroup_v2() || field == "weight" ? "" : "_device");
    if (exists(bfq)) {
      CHECK_THAT(read(bfq), Catch::Contains(prefix + (field == "weight" ? "500" : "300")));  // BFQ takes blkio's scale
    } else if (cgroup_v2()) {
      // 1 + (weight - 10) * 9999 / 990
      CHECK_THAT(read(dir + "/io.weight"), Catch::Contains(field == "weight" ? "default 4950" : device + " 2930"));
    } else {
      CHECK_THAT(read(dir + "/blkio.weight" + (field == "weight" ? "" : "_device")), Catch::Contains(prefix + (field == "weight" ? "500" : "300")));
    }
    f.remove("weight");
  }
}

TEST_CASE("resources: a value the kernel refuses is refused with one line naming the field", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  config["linux"]["resources"] = {{"cpu", {{"cpus", "4095"}}}};  // a CPU this machine does not have
  CHECK_THAT(f.create_refused("cpus", config).err, Catch::Contains("linux.resources.cpu.cpus: write 4095 to"));
}

TEST_CASE("resources.network: classID and priorities in net_cls and net_prio on v1, refused where there are none", "[spec][cgroups]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json resources = {{"network", {{"classID", 1048577}, {"priorities", {{{"name", "lo"}, {"priority", 5}}}}}}};
  if (cgroup_v2() || !exists("/sys/fs/cgroup/net_cls") || !exists("/sys/fs/cgroup/net_prio")) {
    return require_refused(f, resources, "linux.resources.network");
  }
  std::string path = create_with(f, "network", resources);
  CHECK(read(cgroup_dir("net_cls", path) + "/net_cls.classid") == "1048577");
  CHECK_THAT(read(cgroup_dir("net_prio", path) + "/net_prio.ifpriomap"), Catch::Contains("lo 5"));
  f.remove("network");
}

TEST_CASE("linux.rootfsPropagation: the container's / has the propagation asked for (rslave by default)", "[spec][mounts]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  // mountinfo's optional fields: "shared:N" for a shared mount, "master:N" for a slave, none for private.
  CHECK_THAT(root_mount_line(f, config), !Catch::Contains(" shared:"));
  config["linux"]["rootfsPropagation"] = "rprivate";
  std::string root = root_mount_line(f, config);
  CHECK_THAT(root, !Catch::Contains(" shared:") && !Catch::Contains(" master:"));
  config["linux"]["rootfsPropagation"] = "rshared";
  CHECK_THAT(root_mount_line(f, config), Catch::Contains(" shared:"));
}
