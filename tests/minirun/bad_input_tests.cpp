// Bad input: one line on stderr ("minirun: VERB: ..."), a non-zero exit, and nothing created.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>

using namespace minirun_tests;
using nlohmann::json;

TEST_CASE("bad input: malformed config.json", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  harness::write_file(f.bundle() + "/config.json", "{\"ociVersion\": \"1.0.2\", \"process\": ");
  auto result = f.minirun({"create", "--bundle", f.bundle(), "bad-json"});
  require_one_error_line(result, "create");
  CHECK_THAT(result.err, Catch::Contains("malformed JSON"));
  CHECK(f.containers().empty());
}

TEST_CASE("bad input: a missing rootfs", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  config["root"]["path"] = f.path("no-such-rootfs");
  auto result = f.create_refused("no-root", config);
  CHECK_THAT(result.err, Catch::Contains("no-such-rootfs") && Catch::Contains("No such file or directory"));

  auto short_form = f.minirun({"run", "--rootfs", f.path("no-such-rootfs"), Fixture::unique("no-root")});
  require_one_error_line(short_form, "run");
  CHECK(f.containers().empty());
}

TEST_CASE("bad input: a failure inside the container's setup leaves nothing behind", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  config["mounts"].push_back({{"destination", "/run"}, {"type", "bind"}, {"source", f.path("missing-source")}});
  auto result = f.create_refused("half", config);
  CHECK_THAT(result.err, Catch::Contains("missing-source"));
  CHECK_FALSE(harness::path_exists(cgroup_dir("memory", config["linux"]["cgroupsPath"])));
}

TEST_CASE("bad input: bad container IDs", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  for (const std::string& id : {std::string("a/b"), std::string(".."), std::string(""), std::string(1025, 'x')}) {
    INFO("id: " << id);
    CHECK_THAT(f.create_refused(id, config).err, Catch::Contains("invalid container ID"));
  }
}

TEST_CASE("bad input: a duplicate ID is refused and the first container is untouched", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create("twice", f.default_config(kSleep));
  int pid = f.state("twice")["pid"];
  auto again = f.minirun({"create", "--bundle", f.bundle(), "twice"});
  require_one_error_line(again, "create");
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(f.state("twice")["pid"] == pid);
  CHECK(f.state("twice")["status"] == "created");
  f.remove("twice");
}

TEST_CASE("bad input: an unknown container", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"state", "ghost"}, {"start", "ghost"}, {"kill", "ghost", "KILL"}, {"delete", "ghost"},
           {"delete", "--force", "ghost"}, {"ps", "ghost"}, {"exec", "ghost", "--", "true"}}) {
    auto result = f.minirun(args);
    require_one_error_line(result, args.front());
    CHECK_THAT(result.err, Catch::EndsWith("container \"ghost\" does not exist\n"));
  }
}

TEST_CASE("bad input: a bad signal", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("sig", f.default_config(kSleep));
  for (const char* bad : {"NOPE", "SIGNOPE", "0", "999", "-9x"}) {
    auto result = f.minirun({"kill", "sig", bad});
    INFO(bad);
    require_one_error_line(result, "kill");
    CHECK_THAT(result.err, Catch::Contains("invalid signal"));
  }
  CHECK(f.state("sig")["status"] == "running");
  f.remove("sig");
}

TEST_CASE("bad input: bad --memory, --pids and --cpus values", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  for (const std::vector<std::string>& option : std::vector<std::vector<std::string>>{
           {"--memory", ""}, {"--memory", "12X"}, {"--memory", "0"}, {"--memory", "-5M"}, {"--memory", "99999999999999G"},
           {"--pids", "0"}, {"--pids", "lots"}, {"--cpus", "-1"}, {"--cpus", "x"}}) {
    std::vector<std::string> args = {"run", "--rootfs", kRootfs};
    args.insert(args.end(), option.begin(), option.end());
    args.insert(args.end(), {Fixture::unique("limits"), "--", "true"});
    auto result = f.minirun(args);
    INFO(option[0] << " " << option[1]);
    require_one_error_line(result, "run");
    CHECK(result.status == 125);
    CHECK(f.containers().empty());
  }
}

TEST_CASE("bad input: a mount destination that is relative or holds \"..\" is refused before anything is made", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  struct Case {
    std::string destination;
    std::string complaint;
  };
  const Case cases[] = {{"tmp/x", "is not absolute"},
                        {"x", "is not absolute"},
                        {"/tmp/../../etc", "contains \"..\""},
                        {"/..", "contains \"..\""},
                        {"/tmp/x/..", "contains \"..\""}};
  for (const auto& c : cases) {
    INFO("destination: " << c.destination);
    json config = f.default_config(kSleep);
    config["mounts"].push_back({{"destination", c.destination}, {"type", "tmpfs"}, {"source", "tmpfs"}});
    auto result = f.create_refused("dots", config);
    CHECK_THAT(result.err, Catch::Contains("\"mounts[].destination\": \"" + c.destination + "\" " + c.complaint));
    CHECK_FALSE(harness::path_exists(cgroup_dir("memory", config["linux"]["cgroupsPath"])));
  }
}

TEST_CASE("bad input: a root.path that is a regular file", "[bad-input]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  harness::write_file(f.path("not-a-dir"), "just a file\n");
  json config = f.default_config(kSleep);
  config["root"]["path"] = f.path("not-a-dir");
  auto result = f.create_refused("file-root", config);
  CHECK_THAT(result.err, Catch::Contains(f.path("not-a-dir")) && Catch::Contains("Not a directory"));
  CHECK_FALSE(harness::path_exists(cgroup_dir("memory", config["linux"]["cgroupsPath"])));
}
