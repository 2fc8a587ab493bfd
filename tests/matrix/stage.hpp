// The stages of the isolation matrix, and how a test runs a container on the stage it was given.
//
// Every stage takes a command to run inside, but they differ in how options are passed (step07 has
// subcommands, minirun speaks runc's language) and in where the probe is (the host's build/bin/probe
// until step04; /bin/probe inside the root file system from step05 on). Matrix hides that, so a
// row of the matrix reads the same on every stage.
#pragma once

#include "../harness/files.hpp"
#include "../harness/leak_guard.hpp"
#include "../harness/sandbox.hpp"
#include "../harness/process.hpp"

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace matrix {

using harness::Child;
using harness::Result;
using harness::Seconds;
using namespace std::chrono_literals;

enum class Style {
  Step,     // BIN -q [OPTIONS] -- CMD...
  Step07,   // BIN run -q [OPTIONS] -- CMD...   and   BIN exec -q --pid PID -- CMD...
  Minirun,  // minirun --root STATE run [OPTIONS] ID -- CMD...   and   minirun --root STATE exec ID -- CMD...
};

struct Stage {
  std::string name;    // step01 .. step07, minirun
  int level;           // 1 .. 8: what it can do (see tests/README.md)
  std::string binary;  // the file name in the build's bin directory
  Style style;
};

const std::vector<Stage>& all_stages();

// The Catch2 test spec selecting the rows that apply to `stage` (see tests/README.md, "Tags"),
// e.g. for step03: [from-step01]~[not-step03]~[until-step01]~[until-step02],[from-step02]~...
std::string test_spec_for(const Stage& stage);

// Options of a container; what is left unset is not passed (the stage's default applies).
struct Options {
  std::optional<std::string> hostname;
  std::optional<std::string> memory, pids, cpus;
  std::vector<std::string> rootfs;  // lower layers, top first; empty = the test rootfs (from level 5)
  std::optional<std::string> upper;
  std::optional<std::string> pid_file;
  std::vector<std::string> raw;  // more options, passed as they are (e.g. {"--ns", "bogus"})
};

// One per test case: checks root (skips otherwise), moves the test into a sandbox whose "/" is shared
// (harness::Sandbox: a mount that escapes a container shows up there on every machine, never on the
// host; so do a hostname and IPC objects), finds the stage given with --stage, watches for leaks (LeakGuard) and owns a temporary
// directory for the test's files.
class Matrix {
 public:
  Matrix();
  ~Matrix();  // fails the row when a mount made in a container appeared outside it
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;

  const Stage& stage() const { return stage_; }
  int level() const { return stage_.level; }
  bool has_rootfs() const { return stage_.level >= 5; }
  const harness::TempDir& tmp() const { return tmp_; }

  std::string binary() const;  // MATRIX_BINARY, or the stage's binary in the bin directory
  std::string rootfs() const;  // MATRIX_ROOTFS, or build/rootfs
  std::string host_probe() const;

  // The probe command line as the container sees it: {PROBE, args...}.
  std::vector<std::string> probe(const std::vector<std::string>& args) const;

  // The whole command line that runs `command` in a container with `options`.
  std::vector<std::string> container_argv(const Options& options, const std::vector<std::string>& command);
  // The command line that runs `command` inside the running container whose init is `init`.
  std::vector<std::string> exec_argv(pid_t init, const std::vector<std::string>& command) const;

  Result run(const Options& options, const std::vector<std::string>& command, Seconds timeout = 30s);
  Result run(const std::vector<std::string>& command, Seconds timeout = 30s) { return run(Options{}, command, timeout); }
  Child start(const Options& options, const std::vector<std::string>& command);

  // The host PID of the container's init: the process below `step` that is PID 1 of its own PID
  // namespace. Call after the container said it runs (e.g. the "waiting" line of probe wait-stdin).
  pid_t container_init(const Child& step) const;

  // The stage's own failure: exit 125 (minirun: non-zero), one line on stderr naming the stage.
  void require_stage_error(const Result& result, const std::string& what) const;

 private:
  struct RootRequired {
    RootRequired();
  };
  RootRequired root_;  // first member: skip before anything is snapshot or created
  harness::Sandbox sandbox_;  // before the guard: the guard snapshots the sandbox's mounts
  std::string mounts_before_;      // the sandbox's mount table when the row began
  const Stage& stage_;
  harness::LeakGuard guard_;
  harness::TempDir tmp_;  // declared after the guard: removed before the guard checks
  std::string last_id_;   // minirun: the container ID of the latest run
  int containers_ = 0;
};

// A check whose failure explains itself: `meaning` says, in a learner's words, what the failure
// means (which idea of the step is missing). Catch2 prints it under the failed expression.
#define MATRIX_CHECK(condition, meaning) \
  do {                                   \
    INFO("=> " << meaning);              \
    CHECK(condition);                    \
  } while (false)
#define MATRIX_REQUIRE(condition, meaning) \
  do {                                     \
    INFO("=> " << meaning);                \
    REQUIRE(condition);                    \
  } while (false)

// What a row says when the command is not PID 1 of a new PID namespace.
inline constexpr const char* kNotPidOne =
    "the command is not PID 1 of a new PID namespace: unshare(CLONE_NEWPID) moves no process, the"
    " namespace's PID 1 is the first child created after it (fork), or clone() with CLONE_NEWPID";

// Where the cgroups of `pid` are on the host: controllers ("memory", "0::" for v2, ...) -> directory.
std::map<std::string, std::string> cgroup_dirs_of(pid_t pid);

// "name inode" lines (probe ns) -> name -> inode.
std::map<std::string, std::string> parse_pairs(const std::string& text);

}  // namespace matrix
