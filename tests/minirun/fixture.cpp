#include "fixture.hpp"

#include "../harness/procfs.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <unistd.h>

#include <chrono>
#include <thread>

namespace minirun_tests {

using nlohmann::json;

Fixture::Fixture() : state_(tmp_ / "state"), bundle_(tmp_ / "bundle") {
  REQUIRE(::mkdir(bundle_.c_str(), 0755) == 0);
}

harness::Result Fixture::minirun(const std::vector<std::string>& args, harness::Seconds timeout) const {
  return minirun_at(state_, args, {}, timeout);
}

harness::Result Fixture::minirun_at(const std::string& root, const std::vector<std::string>& args,
                                    const harness::Child::Environment& environment, harness::Seconds timeout) const {
  static int calls = 0;
  return run_to_files(kMinirun, root, args, environment, timeout, tmp_ / ("out." + std::to_string(++calls)));
}

harness::Result Fixture::minirun_binary(const std::string& binary, const std::vector<std::string>& args,
                                        const std::string& out, harness::Seconds timeout) const {
  return run_to_files(binary, state_, args, {}, timeout, out);
}

harness::Result Fixture::run_to_files(const std::string& binary, const std::string& root,
                                      const std::vector<std::string>& args,
                                      const harness::Child::Environment& environment, harness::Seconds timeout,
                                      const std::string& out) const {
  std::string err = out + ".err";
  std::vector<std::string> argv = {"/bin/sh", "-c", "out=$1 err=$2; shift 2; exec \"$@\" >\"$out\" 2>\"$err\"",
                                   "sh", out, err, binary, "--root", root};
  argv.insert(argv.end(), args.begin(), args.end());
  harness::Result result = harness::run(argv, timeout, std::nullopt, environment);
  result.out = harness::read_file(out).value_or("");
  result.err = harness::read_file(err).value_or("");
  return result;
}

std::string Fixture::unique(const std::string& name) {
  static int count = 0;
  return name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++count);
}

harness::Child Fixture::spawn(const std::vector<std::string>& args, bool pipes) const {
  std::vector<std::string> argv = {kMinirun, "--root", state_};
  if (!pipes) argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$@\" >/dev/null 2>&1", "sh"});
  argv.insert(argv.end(), args.begin(), args.end());
  return harness::Child::spawn(argv);
}

json Fixture::default_config(const std::vector<std::string>& args) const {
  std::string dir = tmp_ / "spec";
  ::mkdir(dir.c_str(), 0755);
  ::unlink((dir + "/config.json").c_str());
  auto result = minirun({"spec", "--bundle", dir});
  REQUIRE(result.status == 0);
  json config = json::parse(*harness::read_file(dir + "/config.json"));
  config["root"]["path"] = kRootfs;  // read-only (the default): the shared rootfs is never written
  config["process"]["args"] = args;
  config["linux"]["cgroupsPath"] = "/" + unique("minirun-test");
  // A writable /tmp inside, so that tests can leave marks without touching the rootfs.
  config["mounts"].push_back({{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid"}}});
  return config;
}

void Fixture::write_config(const json& config) const { harness::write_file(bundle_ + "/config.json", config.dump(2)); }

void Fixture::create(const std::string& id, const json& config) const {
  write_config(config);
  auto created = minirun({"create", "--bundle", bundle_, id});
  INFO(created.err);
  REQUIRE(created.status == 0);
}

void Fixture::create_and_start(const std::string& id, const json& config) const {
  create(id, config);
  auto started = minirun({"start", id});
  INFO(started.err);
  REQUIRE(started.status == 0);
}

harness::Result Fixture::create_refused(const std::string& id, const json& config) const {
  write_config(config);
  auto result = minirun({"create", "--bundle", bundle_, id});
  require_one_error_line(result, "create");
  CHECK(containers().empty());
  return result;
}

json Fixture::state(const std::string& id) const {
  auto result = minirun({"state", id});
  INFO(result.err);
  REQUIRE(result.status == 0);
  return json::parse(result.out);
}

void Fixture::wait_for_status(const std::string& id, const std::string& status) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string now;
  while (std::chrono::steady_clock::now() < deadline) {
    harness::reap_exited_children();
    auto result = minirun({"state", id});  // fails while the container is still being created
    if (result.status == 0) now = json::parse(result.out)["status"];
    if (now == status) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("container " << id << " is still " << now << ", expected " << status);
}

harness::Result Fixture::run(const std::string& id, const json& config) const {
  write_config(config);
  return minirun({"run", "--bundle", bundle_, id});
}

std::string Fixture::output_of(json config, const std::vector<std::string>& args) const {
  config["process"]["args"] = args;
  auto result = run(unique("output"), config);
  INFO("stderr: " << result.err);
  REQUIRE(result.status == 0);
  return result.out;
}

json Fixture::list() const {
  auto result = minirun({"list", "--format", "json"});
  INFO(result.err);
  REQUIRE(result.status == 0);
  json parsed;
  REQUIRE_NOTHROW(parsed = json::parse(result.out));
  return parsed;
}

void Fixture::remove(const std::string& id) const {
  auto deleted = minirun({"delete", "--force", id});
  INFO(deleted.err);
  CHECK(deleted.status == 0);
  CHECK_FALSE(harness::path_exists(state_ + "/" + id));
}

void Fixture::remove_with_init(const std::string& id) const {
  int pid = state(id)["pid"];
  remove(id);
  CHECK(gone(pid));
}

bool gone(int pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    harness::reap_exited_children();
    auto state = harness::state_of(pid);
    if (!state || *state == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::vector<std::string> Fixture::containers() const {
  std::vector<std::string> entries = harness::list_directory(state_);
  std::erase_if(entries, [](const std::string& name) { return name.starts_with("."); });  // the root's own (.seccomp)
  return entries;
}

std::string Fixture::copy_of_rootfs() const {
  std::string copy = path("rootfs-copy");
  auto copied = harness::run({"cp", "-a", kRootfs, copy});
  INFO(copied.err);
  REQUIRE(copied.status == 0);
  return copy;
}

void require_one_error_line(const harness::Result& result, const std::string& verb) {
  INFO("stderr: " << result.err);
  CHECK(result.status != 0);
  auto lines = harness::split_lines(result.err);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::StartsWith("minirun: " + verb + ": "));
}

bool cgroup_v2() {
  struct statfs fs {};
  return ::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

std::string cgroup_dir(const std::string& controller, const std::string& path) {
  return cgroup_v2() ? "/sys/fs/cgroup" + path : "/sys/fs/cgroup/" + controller + path;
}

}  // namespace minirun_tests
