// LeakGuard: whatever a test made must be gone when it ends.
//
// Construct one at the top of a test. It snapshots the host's mount table, the cgroups named like a stage,
// this process's descendants and the /tmp and /run entries a stage would create. When it goes out
// of scope it looks again and fails the test for everything new, by name. Leaked processes are
// killed (they are ours); mounts and cgroups are only reported, except after a test that already
// failed: its stages were killed mid-way, and their cgroups and scratch directories are removed. A new cgroup that holds processes
// which are not this test's descendants belongs to another program on the machine and is ignored.
// What cannot be read (the mount table, /proc, the cgroup tree) fails the test, saying so: an empty
// snapshot would hide every leak.
// minirun's default state root (/run/minirun) is made by the first container and stays, as runc's
// does: only what appears inside it counts.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace harness {

struct Snapshot {
  std::map<std::tuple<std::string, std::string, std::string>, int> mounts;  // (mount point, fstype, source) -> count
  std::set<std::string> cgroups;                                            // directories under /sys/fs/cgroup
  std::set<std::string> foreign_cgroups;  // those holding processes that are not this test's descendants
  std::set<std::string> stage_files;                                        // /tmp/step*, /run/minirun/* ...
  std::set<int> processes;                                                  // descendants of this process

  static Snapshot take();  // throws std::runtime_error naming what it could not read
};

// Human-readable lines, one per thing in `after` that is not in `before`.
std::vector<std::string> leaks_between(const Snapshot& before, const Snapshot& after);

class LeakGuard {
 public:
  LeakGuard();
  ~LeakGuard();
  LeakGuard(const LeakGuard&) = delete;
  LeakGuard& operator=(const LeakGuard&) = delete;

  // Checks now (the destructor then has nothing more to do); returns the leaks it found.
  std::vector<std::string> check();

 private:
  Snapshot before_;
  bool checked_ = false;
};

}  // namespace harness
