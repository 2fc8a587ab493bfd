// Load: many containers made, used and removed at once by several processes sharing one state
// root, the way an engine's workers do. Nothing may fail, leak, or be seen half written.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/procfs.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

using namespace minirun_tests;
using nlohmann::json;

namespace {

const int kWorkers = 5;
const int kPerWorker = 10;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One worker: a shell running `minirun --root STATE <verb...> ID` for each of its IDs in turn,
// stopping at the first failure. Its output goes to a file of its own: containers it starts
// inherit it, and must not hold a pipe of the test open.
harness::Child start_worker(const Fixture& f, const std::string& log, const std::string& step,
                            const std::vector<std::string>& ids) {
  std::string script = "exec </dev/null >\"$1\" 2>&1; m=$2; r=$3; shift 3\n"
                       "for id in \"$@\"; do " + step + " || { echo \"FAILED $id\"; exit 1; }; done\n";
  std::vector<std::string> argv = {"/bin/sh", "-c", script, "worker", log, kMinirun, f.state_root()};
  argv.insert(argv.end(), ids.begin(), ids.end());
  return harness::Child::spawn(argv);
}

// Runs `step` (shell text using $m, $r and $id) over every worker's IDs, all workers at once.
// While they run, `watch` is called again and again.
template <typename Watch>
void in_parallel(const Fixture& f, const std::string& name, const std::string& step,
                 const std::vector<std::vector<std::string>>& ids, Watch watch) {
  std::vector<harness::Child> workers;
  for (size_t w = 0; w < ids.size(); ++w) {
    workers.push_back(start_worker(f, f.path(name + "-" + std::to_string(w) + ".log"), step, ids[w]));
  }
  std::vector<bool> done(workers.size(), false);
  auto deadline = Clock::now() + std::chrono::seconds(90);
  for (size_t left = workers.size(); left > 0;) {
    if (Clock::now() > deadline) FAIL(name << ": " << left << " workers still running after 90 s");
    watch();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (size_t w = 0; w < workers.size(); ++w) {
      if (done[w] || harness::state_of(workers[w].pid()) != 'Z') continue;  // still working
      auto result = workers[w].wait();
      INFO(name << " worker " << w << ": " << harness::read_file(f.path(name + "-" + std::to_string(w) + ".log")).value_or(""));
      CHECK(result.status == 0);
      done[w] = true;
      --left;
    }
  }
}

// Every state.json in the state root parses, whatever moment it is read at.
int parse_every_state_file(const Fixture& f) {
  int parsed = 0;
  for (const auto& id : f.containers()) {
    auto text = harness::read_file(f.state_root() + "/" + id + "/state.json");
    if (!text) continue;  // not written yet, or deleted in the meantime
    INFO("state.json of " << id << ": " << *text);
    CHECK_NOTHROW(json::parse(*text));
    ++parsed;
  }
  return parsed;
}

}  // namespace

TEST_CASE("load: 50 containers created, listed, exec'd into and deleted in parallel", "[load]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config(kSleep);
  config["linux"].erase("cgroupsPath");  // each container its own: minirun-<ID>
  f.write_config(config);
  std::vector<std::vector<std::string>> ids(kWorkers);
  std::vector<std::string> all;
  for (auto& mine : ids) {
    for (int i = 0; i < kPerWorker; ++i) all.push_back(mine.emplace_back(Fixture::unique("load")));
  }
  int state_reads = 0, list_reads = 0;
  auto watch_state = [&] {
    state_reads += parse_every_state_file(f);
    for (const auto& state : f.list()) {
      CHECK((state["status"] == "creating" || state["status"] == "created" || state["status"] == "running"));
    }
    ++list_reads;
  };

  auto start = Clock::now();
  in_parallel(f, "create", "\"$m\" --root \"$r\" create --bundle " + f.bundle() + " \"$id\" && \"$m\" --root \"$r\" start \"$id\"",
              ids, watch_state);
  double started = seconds_since(start);

  std::map<std::string, int> pids;
  for (const auto& state : f.list()) {
    CHECK(state["status"] == "running");
    pids[state["id"]] = state["pid"];
  }
  REQUIRE(pids.size() == all.size());
  for (const auto& id : all) {
    INFO(id);
    REQUIRE(pids.contains(id));
    CHECK(f.state(id)["pid"] == pids[id]);
    CHECK(harness::cmdline_of(pids[id]) == kSleep);
  }

  auto exec_start = Clock::now();
  in_parallel(f, "exec", "\"$m\" --root \"$r\" exec \"$id\" -- /bin/probe exists /bin/probe", ids, watch_state);
  double execed = seconds_since(exec_start);

  auto delete_start = Clock::now();
  in_parallel(f, "delete", "\"$m\" --root \"$r\" delete --force \"$id\"", ids, [&] { state_reads += parse_every_state_file(f); });
  double deleted = seconds_since(delete_start);

  CHECK(f.list().empty());
  CHECK(f.containers().empty());
  for (const auto& [id, pid] : pids) CHECK(gone(pid));
  std::cout << "figure: load: " << all.size() << " containers from " << kWorkers << " workers; create+start " << started
            << " s, exec " << execed << " s, delete --force " << deleted << " s, total " << seconds_since(start)
            << " s; " << state_reads << " state.json and " << list_reads << " lists read under load\n";
}
