#include "stage.hpp"

#include "../harness/procfs.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <set>
#include <unistd.h>
#include <sstream>

#ifndef MATRIX_DEFAULT_BIN_DIR
#error "MATRIX_DEFAULT_BIN_DIR must be defined by the build"
#endif
#ifndef MATRIX_DEFAULT_ROOTFS
#error "MATRIX_DEFAULT_ROOTFS must be defined by the build"
#endif

namespace matrix {

namespace {

std::string environment_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

const Stage& stage_from_command_line() {
  const std::string& name = harness::stage_option();
  if (name.empty()) FAIL("no stage given: run this test with --stage NAME (step01 .. step07, minirun)");
  for (const auto& stage : all_stages()) {
    if (stage.name == name) return stage;
  }
  FAIL("unknown stage '" << name << "' given with --stage");
  throw std::logic_error("unreachable");
}

void add_options(std::vector<std::string>& argv, const Stage& stage, const Options& options,
                 const std::string& default_rootfs) {
  auto add = [&argv](const std::string& flag, const std::optional<std::string>& value) {
    if (value) {
      argv.push_back(flag);
      argv.push_back(*value);
    }
  };
  add("--hostname", options.hostname);
  add("--memory", options.memory);
  add("--pids", options.pids);
  add("--cpus", options.cpus);
  if (stage.level >= 5) {
    std::vector<std::string> layers = options.rootfs.empty() ? std::vector{default_rootfs} : options.rootfs;
    if (stage.style == Style::Minirun && layers.size() > 1) FAIL("minirun takes one --rootfs");
    for (const auto& layer : layers) add("--rootfs", layer);
  }
  if (options.upper && stage.style == Style::Minirun) FAIL("minirun has no --upper");
  add("--upper", options.upper);
  add("--pid-file", options.pid_file);
  argv.insert(argv.end(), options.raw.begin(), options.raw.end());
}

}  // namespace

const std::vector<Stage>& all_stages() {
  static const std::vector<Stage> stages{
      {"step01", 1, "step01-unshare-pid", Style::Step},  {"step02", 2, "step02-clone-flags", Style::Step},
      {"step03", 3, "step03-mount-proc", Style::Step},   {"step04", 4, "step04-cgroups", Style::Step},
      {"step05", 5, "step05-overlayfs", Style::Step},    {"step06", 6, "step06-pivot-root", Style::Step},
      {"step07", 7, "step07-setns-exec", Style::Step07}, {"minirun", 8, "minirun", Style::Minirun},
  };
  return stages;
}

namespace {

std::string level_tag(const std::string& kind, int level) {
  for (const auto& stage : all_stages()) {
    if (stage.level == level) return "[" + kind + "-" + stage.name + "]";
  }
  return "";
}

std::string spec_for_name(const std::string& name) {
  for (const auto& stage : all_stages()) {
    if (stage.name == name) return test_spec_for(stage);
  }
  return "";
}

// Lets `isolation-matrix --stage NAME` alone run the rows of NAME (see catch_main.cpp).
[[maybe_unused]] const bool spec_provider_set = (harness::set_stage_spec_provider(&spec_for_name), true);

}  // namespace

std::string test_spec_for(const Stage& stage) {
  // A row applies from the level of its [from-...] tag on, unless an [until-...] tag of a lower
  // level ended it or a [not-...] tag names this stage.
  std::string exclusions = "~[not-" + stage.name + "]";
  for (int earlier = 1; earlier < stage.level; ++earlier) exclusions += "~" + level_tag("until", earlier);
  std::string spec;
  for (int from = 1; from <= stage.level; ++from) {
    if (!spec.empty()) spec += ",";
    spec += level_tag("from", from) + exclusions;
  }
  return spec;
}

Matrix::RootRequired::RootRequired() { harness::require_root(); }

Matrix::Matrix() : mounts_before_(sandbox_.mountinfo().value_or("")), stage_(stage_from_command_line()) {}

namespace {

// "FSTYPE SOURCE on POINT" for every mount in `after` that `before` does not have.
std::vector<std::string> mounts_added(const std::string& before, const std::string& after) {
  auto describe = [](const std::string& text) {
    std::multiset<std::string> mounts;
    for (const auto& line : harness::split_lines(text)) {
      std::istringstream fields(line);
      std::string field, point, fstype, source;
      for (int i = 0; i < 5 && fields >> field; ++i) point = field;
      while (fields >> field && field != "-") {
      }
      fields >> fstype >> source;
      mounts.insert(fstype + " " + source + " on " + point);
    }
    return mounts;
  };
  auto old_mounts = describe(before);
  std::vector<std::string> added;
  for (const auto& mount : describe(after)) {
    auto found = old_mounts.find(mount);
    if (found == old_mounts.end()) added.push_back(mount);
    else old_mounts.erase(found);
  }
  return added;
}

}  // namespace

Matrix::~Matrix() {
  try {
    auto added = mounts_added(mounts_before_, sandbox_.mountinfo().value_or(""));
    if (added.empty()) return;
    std::string list;
    for (const auto& mount : added) list += "\n    " + mount;
    std::string message =
        "=> a mount made inside the container appeared on the host: mounts are not private." + list +
        "\n  (The container must make its mounts private before it mounts anything. The \"host\" here is the"
        " test's own mount namespace, whose / is shared as systemd makes it; the real host was not touched.)";
    if (std::uncaught_exceptions() > 0) std::cerr << message << '\n';
    else FAIL_CHECK(message);
  } catch (const std::exception& e) {
    std::cerr << "checking the mounts after the row: " << e.what() << '\n';
  }
}

std::string Matrix::binary() const {
  return environment_or("MATRIX_BINARY", environment_or("MATRIX_BIN_DIR", MATRIX_DEFAULT_BIN_DIR) + "/" + stage_.binary);
}

std::string Matrix::rootfs() const { return environment_or("MATRIX_ROOTFS", MATRIX_DEFAULT_ROOTFS); }

std::string Matrix::host_probe() const {
  return environment_or("MATRIX_BIN_DIR", MATRIX_DEFAULT_BIN_DIR) + "/probe";
}

std::vector<std::string> Matrix::probe(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{has_rootfs() ? "/bin/probe" : host_probe()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> Matrix::container_argv(const Options& options, const std::vector<std::string>& command) {
  std::vector<std::string> argv{binary()};
  switch (stage_.style) {
    case Style::Step:
      argv.push_back("-q");
      break;
    case Style::Step07:
      argv.insert(argv.end(), {"run", "-q"});
      break;
    case Style::Minirun:
      last_id_ = "matrix-" + std::to_string(getpid()) + "-" + std::to_string(++containers_);
      argv.insert(argv.end(), {"--root", tmp_ / "minirun-state", "run"});
      break;
  }
  add_options(argv, stage_, options, rootfs());
  if (stage_.style == Style::Minirun) argv.push_back(last_id_);
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

std::vector<std::string> Matrix::exec_argv(pid_t init, const std::vector<std::string>& command) const {
  std::vector<std::string> argv{binary()};
  switch (stage_.style) {
    case Style::Step07:
      argv.insert(argv.end(), {"exec", "-q", "--pid", std::to_string(init), "--"});
      break;
    case Style::Minirun:
      argv.insert(argv.end(), {"--root", tmp_ / "minirun-state", "exec", last_id_, "--"});
      break;
    case Style::Step:
      FAIL("stage " << stage_.name << " has no exec");
  }
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

Result Matrix::run(const Options& options, const std::vector<std::string>& command, Seconds timeout) {
  auto argv = container_argv(options, command);
  auto result = harness::run(argv, timeout);
  UNSCOPED_INFO("ran: " << harness::describe(argv) << "\n  exit status " << result.status << "\n  stdout: "
                        << result.out << "\n  stderr: " << result.err);
  return result;
}

Child Matrix::start(const Options& options, const std::vector<std::string>& command) {
  auto argv = container_argv(options, command);
  UNSCOPED_INFO("started: " << harness::describe(argv));
  return Child::spawn(argv);
}

pid_t Matrix::container_init(const Child& step) const {
  auto is_init = [](pid_t pid) { return harness::pid_in_own_namespace(pid) == 1 && harness::state_of(pid) != 'Z'; };
  for (pid_t pid : harness::descendants_of(step.pid())) {
    if (is_init(pid)) return pid;
  }
  // A runtime may detach the init from itself (double fork); as a child subreaper the test then
  // inherits it, so it is still below the test.
  for (pid_t pid : harness::descendants_of(getpid())) {
    if (is_init(pid)) return pid;
  }
  FAIL("no process below " << harness::describe(step.argv()) << " (PID " << step.pid()
                           << ") is PID 1 of a PID namespace\n=> " << kNotPidOne);
  return -1;
}

void Matrix::require_stage_error(const Result& result, const std::string& what) const {
  INFO(what << "\n  exit status " << result.status << "\n  stdout: " << result.out << "\n  stderr: " << result.err);
  if (stage_.style == Style::Minirun) {
    CHECK(result.status != 0);
  } else {
    CHECK(result.status == 125);
  }
  auto lines = harness::split_lines(harness::trim(result.err));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with(stage_.name + ":"));
  CHECK(result.out.empty());
}

std::map<std::string, std::string> parse_pairs(const std::string& text) {
  std::map<std::string, std::string> pairs;
  for (const auto& line : harness::split_lines(text)) {
    auto space = line.find(' ');
    if (space != std::string::npos) pairs[line.substr(0, space)] = line.substr(space + 1);
  }
  return pairs;
}

namespace {

struct CgroupMount {
  std::string fstype, point, super_options;
};

std::vector<CgroupMount> cgroup_mounts() {
  std::vector<CgroupMount> mounts;
  auto text = harness::read_file("/proc/self/mountinfo");
  if (!text) return mounts;
  for (const auto& line : harness::split_lines(*text)) {
    std::istringstream fields(line);
    std::string field, point, fstype, source, super_options;
    for (int i = 0; i < 5 && fields >> field; ++i) point = field;
    while (fields >> field && field != "-") {
    }
    fields >> fstype >> source >> super_options;
    if (fstype == "cgroup" || fstype == "cgroup2") mounts.push_back({fstype, point, "," + super_options + ","});
  }
  return mounts;
}

// The mount of the hierarchy a /proc/PID/cgroup line names ("memory", "name=systemd", "" for v2).
std::optional<std::string> hierarchy_mount(const std::vector<CgroupMount>& mounts, const std::string& controllers) {
  for (const auto& mount : mounts) {
    if (controllers.empty() && mount.fstype == "cgroup2") return mount.point;
    if (controllers.empty() || mount.fstype != "cgroup") continue;
    bool all = true;
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ',')) all = all && mount.super_options.find("," + name + ",") != std::string::npos;
    if (all) return mount.point;
  }
  return std::nullopt;
}

}  // namespace

std::map<std::string, std::string> cgroup_dirs_of(pid_t pid) {
  std::map<std::string, std::string> dirs;
  auto text = harness::read_file("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text) return dirs;
  auto mounts = cgroup_mounts();
  for (const auto& line : harness::split_lines(*text)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    auto mount = hierarchy_mount(mounts, controllers);
    if (!mount) continue;
    dirs[controllers.empty() ? "0::" : controllers] = *mount + (path == "/" ? "" : path);
  }
  return dirs;
}

}  // namespace matrix
