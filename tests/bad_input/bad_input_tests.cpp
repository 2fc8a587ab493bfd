// Bad input, over every stage and every minirun verb.
//
// One table: which program, its arguments, and what the error line must name. Every row is its own
// test case (registered from the table below) and checks the same things: the documented non-zero
// exit status (125 for a step; for minirun 125 from `run` and `exec`, 1 from the other verbs),
// exactly one line on stderr starting with the program's name and naming the problem, nothing on
// stdout, and nothing left behind (LeakGuard, and for minirun an empty state root).

#include "../harness/files.hpp"
#include "../harness/leak_guard.hpp"
#include "../harness/process.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using nlohmann::json;

namespace {

const std::string kBinDir = BAD_INPUT_BIN_DIR;
const std::string kRootfs = BAD_INPUT_ROOTFS;

const std::map<std::string, std::string> kBinaries = {
    {"step01", "step01-unshare-pid"}, {"step02", "step02-clone-flags"}, {"step03", "step03-mount-proc"},
    {"step04", "step04-cgroups"},     {"step05", "step05-overlayfs"},   {"step06", "step06-pivot-root"},
    {"step07", "step07-setns-exec"},  {"minirun", "minirun"}};

// Writes the text of config.json from a valid one (an edit, or something that is not JSON at all).
using ConfigText = std::string (*)(json config);

struct Row {
  std::string name;
  // argv[0] is a stage name or "minirun". In the arguments, {rootfs} is the test rootfs, {tmp} a
  // fresh temporary directory, {file} a regular file in it, {bundle} a bundle holding the row's
  // config.json and {state} minirun's state root (an empty directory that must stay empty).
  std::vector<std::string> argv;
  std::string must_name;  // what the one error line has to contain
  ConfigText config = nullptr;
};

// A config.json that minirun accepts, so that each row breaks exactly one thing in it.
json valid_config() {
  return {{"ociVersion", "1.0.2"},
          {"process", {{"args", {"/bin/true"}}, {"cwd", "/"}, {"env", {"PATH=/bin:/sbin"}}}},
          {"root", {{"path", kRootfs}}},
          {"hostname", "bad-input"},
          {"mounts", {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}}}},
          {"linux",
           {{"namespaces",
             {{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "uts"}}, {{"type", "ipc"}}, {{"type", "network"}}}}}}};
}

json with_mount_at(json config, const std::string& destination) {
  config["mounts"].push_back({{"destination", destination}, {"type", "tmpfs"}, {"source", "tmpfs"}});
  return config;
}

const std::string k65Bytes(65, 'h');
const std::string kLongId(1025, 'x');

// Stages from step05 on need --rootfs; step07 takes a verb.
std::vector<std::string> stage_argv(const std::string& stage, std::vector<std::string> options) {
  std::vector<std::string> argv = {stage};
  if (stage == "step07") argv.push_back("run");
  argv.push_back("-q");
  if (stage >= "step05") argv.insert(argv.end(), {"--rootfs", "{rootfs}"});
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"--", "/bin/true"});
  return argv;
}

std::vector<Row> step_rows() {
  std::vector<Row> rows;
  const std::vector<std::string> all = {"step01", "step02", "step03", "step04", "step05", "step06", "step07"};
  for (const auto& stage : all) {
    rows.push_back({stage + " an unknown option", stage_argv(stage, {"--bogus"}), "--bogus"});
    if (stage == "step01") continue;
    rows.push_back({stage + " --ns with an unknown name", stage_argv(stage, {"--ns", "pid,frob"}), "frob"});
    rows.push_back({stage + " --ns empty", stage_argv(stage, {"--ns", ""}), "--ns"});
    rows.push_back({stage + " --hostname of 65 bytes", stage_argv(stage, {"--hostname", k65Bytes}), "--hostname"});
    if (stage < "step04") continue;
    for (const std::string value : {"0", "-1", "12Q", "1.5M", "99999999999999999999G", "17179869184G", ""})
      rows.push_back({stage + " --memory '" + value + "'", stage_argv(stage, {"--memory", value}), "--memory"});
    for (const std::string value : {"0", "-1", "abc"})
      rows.push_back({stage + " --pids '" + value + "'", stage_argv(stage, {"--pids", value}), "--pids"});
    for (const std::string value : {"0", "-1", "x"})
      rows.push_back({stage + " --cpus '" + value + "'", stage_argv(stage, {"--cpus", value}), "--cpus"});
    if (stage < "step05") continue;
    std::vector<std::string> unknown_first = {stage};
    if (stage == "step07") unknown_first.push_back("run");
    unknown_first.insert(unknown_first.end(), {"-q", "--bogus", "--", "/bin/true"});
    rows.push_back({stage + " an unknown option and no --rootfs: the option is named", unknown_first, "--bogus"});
    std::vector<std::string> no_rootfs = {stage};
    if (stage == "step07") no_rootfs.push_back("run");
    no_rootfs.insert(no_rootfs.end(), {"-q", "--", "/bin/true"});
    rows.push_back({stage + " without --rootfs", no_rootfs, "--rootfs"});
    auto rootfs = [&](const std::string& dir) {
      std::vector<std::string> argv = no_rootfs;
      argv.insert(argv.end() - 2, {"--rootfs", dir});
      return argv;
    };
    rows.push_back({stage + " --rootfs missing", rootfs("{tmp}/no-such-rootfs"), "no-such-rootfs"});
    rows.push_back({stage + " --rootfs is a file", rootfs("{file}"), "{file}"});
    rows.push_back({stage + " --rootfs with a colon", rootfs("{tmp}/a:b"), "{tmp}/a:b"});
    rows.push_back({stage + " --rootfs with a comma", rootfs("{tmp}/a,b"), "{tmp}/a,b"});
    rows.push_back({stage + " --upper missing", stage_argv(stage, {"--upper", "{tmp}/no-such-upper"}), "no-such-upper"});
    rows.push_back({stage + " --upper is a file", stage_argv(stage, {"--upper", "{file}"}), "{file}"});
  }
  rows.push_back({"step07 without a subcommand", {"step07"}, "run or exec"});
  rows.push_back({"step07 an unknown subcommand", {"step07", "frob", "--", "/bin/true"}, "frob"});
  rows.push_back({"step07 exec without --pid", {"step07", "exec", "-q", "--", "/bin/true"}, "--pid"});
  for (const std::string pid : {"0", "-5", "abc", ""})
    rows.push_back({"step07 exec --pid '" + pid + "'", {"step07", "exec", "-q", "--pid", pid, "--", "/bin/true"}, "--pid"});
  // Above the largest pid_max the kernel allows (4194304): no such process can exist.
  rows.push_back({"step07 exec --pid of no process",
                  {"step07", "exec", "-q", "--pid", "4194305", "--", "/bin/true"}, "4194305"});
  return rows;
}

std::vector<std::string> minirun_argv(std::vector<std::string> args) {
  args.insert(args.begin(), {"minirun", "--root", "{state}"});
  return args;
}

std::vector<Row> minirun_config_rows() {
  const std::vector<std::string> create = minirun_argv({"create", "--bundle", "{bundle}", "bad"});
  const std::vector<std::string> run = minirun_argv({"run", "--bundle", "{bundle}", "bad"});
  return {
      {"minirun create: config.json truncated", create, "malformed JSON",
       [](json c) { std::string text = c.dump(2); return text.substr(0, text.size() / 2); }},
      {"minirun create: config.json empty", create, "malformed JSON", [](json) { return std::string(); }},
      {"minirun create: config.json not JSON", create, "malformed JSON",
       [](json) { return std::string("ociVersion: 1.0.2\n"); }},
      {"minirun create: config.json an array", create, "not a JSON object",
       [](json) { return std::string("[1, 2]"); }},
      {"minirun create: process.args a string", create, "process.args",
       [](json c) { c["process"]["args"] = "/bin/true"; return c.dump(); }},
      {"minirun create: process.args empty", create, "process.args",
       [](json c) { c["process"]["args"] = json::array(); return c.dump(); }},
      {"minirun create: hostname a number", create, "hostname",
       [](json c) { c["hostname"] = 42; return c.dump(); }},
      {"minirun create: no process", create, "process", [](json c) { c.erase("process"); return c.dump(); }},
      {"minirun create: no root", create, "root.path", [](json c) { c.erase("root"); return c.dump(); }},
      {"minirun create: an unsupported field (linux.intelRdt)", create, "linux.intelRdt",
       [](json c) { c["linux"]["intelRdt"] = {{"closID", "x"}}; return c.dump(); }},
      {"minirun create: an unsupported field (vm)", create, "\"vm\"",
       [](json c) { c["vm"] = {{"hypervisor", {{"path", "/x"}}}}; return c.dump(); }},
      {"minirun create: an unknown namespace type", create, "frob",
       [](json c) { c["linux"]["namespaces"].push_back({{"type", "frob"}}); return c.dump(); }},
      {"minirun create: memory limit a string", create, "linux.resources.memory.limit",
       [](json c) { c["linux"]["resources"] = {{"memory", {{"limit", "lots"}}}}; return c.dump(); }},
      {"minirun create: a missing rootfs", create, "no-such-rootfs",
       [](json c) { c["root"]["path"] = "no-such-rootfs"; return c.dump(); }},
      {"minirun create: a rootfs that is a file", create, "Not a directory",
       [](json c) { c["root"]["path"] = "a-file"; return c.dump(); }},
      {"minirun create: a mount destination climbing out with ..", create, "..",
       [](json c) { return with_mount_at(c, "/../../etc/x").dump(); }},
      {"minirun create: a mount destination ending in ..", create, "..",
       [](json c) { return with_mount_at(c, "/mnt/../..").dump(); }},
      {"minirun run: a rootfsPropagation that is not one", run, "linux.rootfsPropagation",
       [](json c) { c["linux"]["rootfsPropagation"] = "sideways"; return c.dump(); }},
      {"minirun create: cpu.cpus not a CPU list", create, "linux.resources.cpu.cpus",
       [](json c) { c["linux"]["resources"] = {{"cpu", {{"cpus", "0-x"}}}}; return c.dump(); }},
      {"minirun create: a block I/O weight below 10", create, "linux.resources.blockIO.weight",
       [](json c) { c["linux"]["resources"] = {{"blockIO", {{"weight", 5}}}}; return c.dump(); }},
      {"minirun create: a huge page size that is not one", create, "pageSize",
       [](json c) { c["linux"]["resources"] = {{"hugepageLimits", {{{"pageSize", "2XB"}, {"limit", 0}}}}}; return c.dump(); }},
      {"minirun create: memory swappiness above 100", create, "linux.resources.memory.swappiness",
       [](json c) { c["linux"]["resources"] = {{"memory", {{"swappiness", 101}}}}; return c.dump(); }},
      {"minirun create: ociVersion missing", create, "ociVersion",
       [](json c) { c.erase("ociVersion"); return c.dump(); }},
      {"minirun create: ociVersion not a version", create, "ociVersion",
       [](json c) { c["ociVersion"] = "invalid"; return c.dump(); }},
      {"minirun create: a namespace listed twice", create, "listed twice",
       [](json c) { c["linux"]["namespaces"].push_back({{"type", "pid"}}); return c.dump(); }},
  };
}

std::vector<Row> minirun_cli_rows() {
  std::vector<Row> rows = {
      {"minirun create: no config.json in the bundle", minirun_argv({"create", "--bundle", "{tmp}", "bad"}),
       "config.json"},
      {"minirun run: a missing rootfs", minirun_argv({"run", "--rootfs", "{tmp}/no-such-rootfs", "bad", "--", "true"}),
       "no-such-rootfs"},
      {"minirun run: an unknown option", minirun_argv({"run", "--bogus", "--rootfs", "{rootfs}", "bad", "--", "true"}),
       "--bogus"},
      {"minirun run: --root is a file", {"minirun", "--root", "{file}", "run", "--rootfs", "{rootfs}", "bad", "--", "true"},
       "{file}"},
      {"minirun run: --image of a directory that is no image layout",
       minirun_argv({"run", "--image", "{tmp}", "--store", "{tmp}/store", "bad", "--", "true"}), "not an OCI image layout"},
      {"minirun run: --image and --rootfs", minirun_argv({"run", "--image", "{tmp}", "--rootfs", "{rootfs}", "bad"}),
       "--rootfs and --image"},
      {"minirun run: --store without --image", minirun_argv({"run", "--store", "{tmp}", "--rootfs", "{rootfs}", "bad"}),
       "--store goes with --image"},
      {"minirun spec: --image of a missing directory", minirun_argv({"spec", "--bundle", "{tmp}", "--image", "{tmp}/none"}),
       "{tmp}/none: not an OCI image layout"},
      {"minirun images: --store is a file", minirun_argv({"images", "--store", "{file}"}), "{file}/layers/sha256: Not a directory"},
      {"minirun state: --root is a file", {"minirun", "--root", "{file}", "state", "bad"}, "{file}: Not a directory"},
      {"minirun list: --root is a file", {"minirun", "--root", "{file}", "list"}, "{file}: Not a directory"},
      {"minirun delete: the state root's own .seccomp", minirun_argv({"delete", "--force", ".seccomp"}), "invalid container ID"},
  };
  const std::vector<std::pair<std::string, std::string>> ids = {
      {"empty", ""}, {"with /", "a/b"}, {"..", ".."}, {"1025 bytes", kLongId}, {"starting with a dot", ".seccomp"}};
  for (const auto& [what, id] : ids) {
    rows.push_back({"minirun create: an ID " + what, minirun_argv({"create", "--bundle", "{bundle}", id}),
                    "invalid container ID", [](json c) { return c.dump(); }});
    rows.push_back({"minirun run: an ID " + what, minirun_argv({"run", "--rootfs", "{rootfs}", id, "--", "true"}),
                    "invalid container ID"});
  }
  const std::vector<std::vector<std::string>> on_ghost = {
      {"state", "ghost"}, {"start", "ghost"}, {"kill", "ghost", "KILL"}, {"delete", "ghost"},
      {"delete", "--force", "ghost"}, {"ps", "ghost"}, {"exec", "ghost", "--", "true"}};
  for (const auto& args : on_ghost) {
    std::string shown;
    for (const auto& arg : args) shown += (shown.empty() ? "" : " ") + arg;
    rows.push_back({"minirun " + args[0] + ": an unknown container (" + shown + ")", minirun_argv(args),
                    "container \"ghost\" does not exist"});
  }
  for (const std::string signal : {"NOPE", "SIGNOPE", "0", "999", "-9x", ""})
    rows.push_back({"minirun kill: signal '" + signal + "'", minirun_argv({"kill", "ghost", signal}),
                    "invalid signal"});
  const std::vector<std::pair<std::string, std::string>> limits = {
      {"--memory", "0"}, {"--memory", "-1"}, {"--memory", "12Q"}, {"--memory", "1.5M"},
      {"--memory", "99999999999999999999G"}, {"--memory", ""}, {"--pids", "0"}, {"--pids", "-1"},
      {"--pids", "abc"}, {"--cpus", "0"}, {"--cpus", "-1"}, {"--cpus", "x"}};
  // minirun names the option and the value it cannot take.
  for (const auto& [option, value] : limits)
    rows.push_back({"minirun run: " + option + " '" + value + "'",
                    minirun_argv({"run", "--rootfs", "{rootfs}", option, value, "bad", "--", "true"}),
                    option + ": invalid"});
  for (const std::string option : {"--memory", "--pids", "--cpus", "--hostname"})
    rows.push_back({"minirun run: " + option + " with a bundle instead of --rootfs",
                    minirun_argv({"run", "--bundle", "{bundle}", option, "1", "bad"}), "go with --rootfs",
                    [](json c) { return c.dump(); }});
  rows.push_back({"minirun: an unknown command", minirun_argv({"frobnicate", "bad"}), "unknown command"});
  return rows;
}

const std::vector<Row>& table() {
  static const std::vector<Row> rows = [] {
    std::vector<Row> all = step_rows();
    for (auto& row : minirun_config_rows()) all.push_back(std::move(row));
    for (auto& row : minirun_cli_rows()) all.push_back(std::move(row));
    return all;
  }();
  return rows;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

void make_directory(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0)
    throw std::runtime_error("mkdir " + path + ": " + std::strerror(errno));
}

// The directories and files a row's arguments refer to, made fresh for the row.
struct Scratch {
  harness::TempDir tmp;
  std::string file = tmp / "a-file";
  std::string state = tmp / "state";
  std::string bundle = tmp / "bundle";

  explicit Scratch(const Row& row) {
    harness::write_file(file, "not a directory\n");
    make_directory(tmp / "a:b");
    make_directory(tmp / "a,b");
    make_directory(state);
    harness::write_file(state + "/.keep", "");
    make_directory(bundle);
    if (row.config) harness::write_file(bundle + "/config.json", row.config(valid_config()));
    harness::write_file(bundle + "/a-file", "not a directory\n");
  }

  std::string expand(std::string text) const {
    text = replace_all(std::move(text), "{rootfs}", kRootfs);
    text = replace_all(std::move(text), "{file}", file);
    text = replace_all(std::move(text), "{state}", state);
    text = replace_all(std::move(text), "{bundle}", bundle);
    return replace_all(std::move(text), "{tmp}", tmp.path());
  }
};

int expected_status(const Row& row) {
  if (row.argv[0] != "minirun") return 125;
  for (const auto& verb : {"run", "exec"})
    for (const auto& arg : row.argv)
      if (arg == verb) return 125;
  return 1;
}

// "minirun: VERB: " (the verb is the first argument after the global options) or "stepNN: ".
std::string expected_prefix(const Row& row) {
  if (row.argv[0] != "minirun") return row.argv[0] + ": ";
  return "minirun: " + row.argv[3] + ": ";
}

void check_row(const Row& row) {
  harness::require_root();
  harness::LeakGuard guard;
  Scratch scratch(row);
  std::vector<std::string> argv;
  for (const auto& arg : row.argv) argv.push_back(scratch.expand(arg));
  argv[0] = kBinDir + "/" + kBinaries.at(row.argv[0]);

  auto result = harness::run(argv, harness::Seconds(10));
  INFO(harness::describe(argv) << "\nstdout: " << result.out << "\nstderr: " << result.err);
  CHECK(result.status == expected_status(row));
  CHECK(result.out.empty());
  auto lines = harness::split_lines(result.err);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::StartsWith(expected_prefix(row)));
  CHECK_THAT(lines[0], Catch::Contains(scratch.expand(row.must_name)));
  if (row.argv[0] == "minirun")
    CHECK(harness::list_directory(scratch.state) == std::vector<std::string>{".keep"});
  CHECK(guard.check().empty());
}

class RowInvoker : public Catch::ITestInvoker {
 public:
  explicit RowInvoker(const Row& row) : row_(row) {}
  void invoke() const override { check_row(row_); }

 private:
  const Row& row_;
};

// Each row becomes a test case of its own, so that ctest lists and runs them one by one.
const bool registered = [] {
  for (const auto& row : table()) {
    std::string tags = "[bad-input][" + row.argv[0] + "]";
    Catch::AutoReg(new RowInvoker(row), CATCH_INTERNAL_LINEINFO, Catch::StringRef(),
                   Catch::NameAndTags(row.name, tags));
  }
  return true;
}();

}  // namespace

namespace {

// minirun with its output in files: a created container's init keeps what it inherited open, so
// a pipe would not reach its end while the container lives.
harness::Result minirun_to_files(const harness::TempDir& tmp, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$@\" >\"$OUT\" 2>\"$ERR\" </dev/null", "sh",
                                   kBinDir + "/minirun"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = harness::run(argv, harness::Seconds(10), std::nullopt,
                             {{"OUT", tmp / "out"}, {"ERR", tmp / "err"}});
  result.out = harness::read_file(tmp / "out").value_or("");
  result.err = harness::read_file(tmp / "err").value_or("");
  return result;
}

}  // namespace

// Not a row of the table: the second create needs a first container with the same ID.
TEST_CASE("minirun create: a duplicate ID leaves the first container as it was", "[bad-input][minirun]") {
  harness::require_root();
  harness::LeakGuard guard;
  harness::TempDir tmp;
  const std::string state = tmp / "state", bundle = tmp / "bundle";
  make_directory(bundle);
  json config = valid_config();
  config["process"]["args"] = {"/bin/probe", "sleep", "100"};
  harness::write_file(bundle + "/config.json", config.dump());

  auto first = minirun_to_files(tmp, {"--root", state, "create", "--bundle", bundle, "twice"});
  INFO("first create: " << first.err);
  REQUIRE(first.status == 0);
  auto again = minirun_to_files(tmp, {"--root", state, "create", "--bundle", bundle, "twice"});
  INFO("second create: " << again.err);
  CHECK(again.status == 1);
  CHECK(again.out.empty());
  CHECK(harness::split_lines(again.err).size() == 1);
  CHECK_THAT(again.err, Catch::StartsWith("minirun: create: ") && Catch::Contains("\"twice\" already exists"));
  CHECK_THAT(minirun_to_files(tmp, {"--root", state, "state", "twice"}).out, Catch::Contains("\"created\""));
  CHECK(minirun_to_files(tmp, {"--root", state, "delete", "--force", "twice"}).status == 0);
  CHECK(harness::list_directory(state).empty());
}
