// minirun's command line: runc's verbs and flags, one function per verb, no logic of its own.
// Everything a verb does is in the library under lib/ (see README.md for the module map).

#include "lib/container.hpp"
#include "lib/error.hpp"
#include "lib/exec.hpp"
#include "lib/features.hpp"
#include "lib/files.hpp"
#include "lib/log.hpp"
#include "lib/report.hpp"
#include "lib/run.hpp"
#include "lib/sealed_self.hpp"
#include "lib/seccomp.hpp"
#include "lib/signals.hpp"
#include "lib/spec.hpp"
#include "lib/state.hpp"
#include "lib/units.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <climits>
#include <functional>
#include <optional>
#include <iostream>

using namespace minirun;

namespace {

constexpr int kExitError = 1;
// `run` and `exec` return the program's status, so their own failures use 125, as `docker run` does.
constexpr int kExitRunError = 125;

struct Globals {
  std::string root = kDefaultStateRoot;
  std::string log_file;
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
};

std::string absolute_dir(const std::string& path) {
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) throw Error("bundle", path, errno);
  return resolved;
}

struct SpecArgs { std::string bundle = "."; };
int do_spec(const SpecArgs& a) {
  write_new_file(a.bundle + "/config.json", to_text(default_spec()));
  return 0;
}

struct CreateArgs {
  std::string id, bundle = ".", pid_file, console_socket;
  bool no_pivot = false, no_new_keyring = false;
  int preserve_fds = 0;
};
CreateOptions create_options(const CreateArgs& a, const std::string& verb) {
  std::string bundle = absolute_dir(a.bundle);
  return CreateOptions{a.id, bundle, a.pid_file, a.console_socket, a.no_pivot, a.preserve_fds, {}, verb};
}
int do_create(const StateRoot& root, const CreateArgs& a) {
  CreateOptions options = create_options(a, "create");
  create_container(root, options, load_spec(options.bundle + "/config.json"));
  return 0;
}

// A bad value names the option it came from: "--memory: invalid size ...".
template <typename Parse>
auto for_option(const std::string& option, Parse parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw Error(option + ": " + e.what());
  }
}

struct RunArgs {
  CreateArgs create;
  std::vector<std::string> rootfs, command;
  std::string hostname;
  std::optional<std::string> memory, pids, cpus;  // given, even if empty, means "check it"
  bool detach = false;
};
int do_run(const StateRoot& root, const RunArgs& a) {
  if (a.rootfs.empty() && (a.memory || a.pids || a.cpus || !a.hostname.empty())) {
    throw Error("--hostname, --memory, --pids and --cpus go with --rootfs; a bundle's config.json says these");
  }
  CreateOptions options = create_options(a.create, "run");
  if (a.rootfs.empty()) {
    Spec spec = load_spec(options.bundle + "/config.json");
    if (!a.command.empty()) spec.process.args = a.command;
    return run_container(root, options, spec, a.detach);
  }
  RootfsRun rootfs{a.command, a.hostname, std::nullopt, std::nullopt, std::nullopt};
  if (a.memory) rootfs.memory = for_option("--memory", [&] { return parse_size(*a.memory); });
  if (a.pids) rootfs.pids = for_option("--pids", [&] { return parse_count(*a.pids); });
  if (a.cpus) rootfs.cpu_quota = for_option("--cpus", [&] { return cpus_to_quota(*a.cpus, kCpuPeriod); });
  options.layers = a.rootfs;
  return run_container(root, options, spec_for_rootfs(rootfs), a.detach);
}

int do_start(const StateRoot& root, const std::string& id) {
  start_container(root, id);
  return 0;
}

int do_state(const StateRoot& root, const std::string& id) {
  std::cout << container_state(root, id).dump(2) << '\n';
  return 0;
}

struct ListArgs { std::string format = "table"; bool quiet = false; };
int do_list(const StateRoot& root, const ListArgs& a) {
  if (a.quiet) {
    for (const auto& id : root.ids()) std::cout << id << '\n';
  } else if (a.format == "json") {
    std::cout << list_json(root).dump() << '\n';
  } else {
    std::cout << list_table(root);
  }
  return 0;
}

struct KillArgs { std::string id, signal = "TERM"; bool all = false; };
int do_kill(const StateRoot& root, const KillArgs& a) {
  kill_container(root, a.id, parse_signal(a.signal), a.all);
  return 0;
}

struct DeleteArgs { std::string id; bool force = false; };
int do_delete(const StateRoot& root, const DeleteArgs& a) {
  delete_container(root, a.id, a.force);
  return 0;
}

int do_exec(const StateRoot& root, const ExecOptions& a) { return exec_in_container(root, a); }

int do_features() {
  std::cout << features().dump(2) << '\n';
  return 0;
}

struct PsArgs { std::string id, format = "table"; };
int do_ps(const StateRoot& root, const PsArgs& a) {
  auto pids = container_pids(root, a.id);
  if (a.format == "json") {
    std::cout << nlohmann::json(pids).dump() << '\n';
  } else {
    std::cout << ps_table(pids);
  }
  return 0;
}

void add_create_flags(CLI::App* cmd, CreateArgs& a) {
  cmd->add_option("-b,--bundle", a.bundle, "Bundle directory holding config.json (default: .)");
  cmd->add_option("--pid-file", a.pid_file, "Write the container's init PID to this file");
  cmd->add_option("--console-socket", a.console_socket, "Unix socket to send the terminal's master to");
  cmd->add_flag("--no-pivot", a.no_pivot, "Use chroot instead of pivot_root (for an initramfs)");
  cmd->add_flag("--no-new-keyring", a.no_new_keyring, "Accepted: minirun makes no session keyring");
  cmd->add_option("--preserve-fds", a.preserve_fds, "Pass fds 3 .. 3+N-1 on to the container's program")
      ->check(CLI::Range(0, 1 << 20));
}

// The command line: global options, one add_* per verb. Parsing a verb sets `action`.
class Cli {
 public:
  Cli() {
    app_.set_version_flag("-v,--version", [] {
      return "minirun version 0.2.0\nspec: 1.0.2\nlibseccomp: " + libseccomp_version();
    });
    app_.require_subcommand(1);
    app_.fallthrough();  // global options are also accepted after the verb
    add_globals();
    add_spec();
    add_create();
    add_run();
    add_start_and_state();
    add_list();
    add_kill();
    add_delete();
    add_exec();
    add_ps();
    add_features();
  }

  int main(int argc, char** argv) {
    try {
      app_.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app_.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app_.exit(e);
    } catch (const CLI::ParseError& e) {
      // CLI11 reports an unknown verb as a missing one; name what was typed instead.
      if (app_.get_subcommands().empty() && !app_.remaining().empty()) {
        log_error(app_.remaining().front(), "unknown command (minirun --help lists them)");
        return kExitError;
      }
      log_error(verb(), e.what());  // one line, like every other error
      return exit_status_for_error();
    }
    configure_log({globals_.log_file, globals_.log_format == "json", globals_.debug});
    try {
      // First of all, before any process of ours enters a container: sealed_self.hpp says why.
      if (enters_containers()) run_from_sealed_self(argv);
      if (globals_.systemd_cgroup) log_info(verb(), "--systemd-cgroup given: minirun manages cgroupfs itself");
      return action_(StateRoot(globals_.root));
    } catch (const std::exception& e) {
      log_error(verb(), e.what());
      return exit_status_for_error();
    }
  }

 private:
  std::string verb() const {
    auto verbs = app_.get_subcommands();
    return verbs.empty() ? "usage" : verbs.front()->get_name();
  }
  bool enters_containers() const { return verb() == "create" || verb() == "run" || verb() == "exec"; }
  int exit_status_for_error() const { return verb() == "run" || verb() == "exec" ? kExitRunError : kExitError; }

  void on_parsed(CLI::App* cmd, std::function<int(const StateRoot&)> action) {
    cmd->final_callback([this, action = std::move(action)] { action_ = action; });
  }

  void add_globals() {
    app_.add_option("--root", globals_.root, "State directory")->capture_default_str();
    app_.add_option("--log", globals_.log_file, "Write errors to this file instead of stderr");
    app_.add_option("--log-format", globals_.log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
    app_.add_flag("--debug", globals_.debug, "Log debug messages");
    app_.add_flag("--systemd-cgroup", globals_.systemd_cgroup, "Accepted; cgroupfs is used");
  }

  void add_spec() {
    auto* cmd = app_.add_subcommand("spec", "Write a default config.json into the bundle");
    cmd->add_option("-b,--bundle", spec_.bundle, "Bundle directory (default: .)");
    on_parsed(cmd, [this](const StateRoot&) { return do_spec(spec_); });
  }

  void add_create() {
    auto* cmd = app_.add_subcommand("create", "Create a container: set up, waiting for start");
    add_create_flags(cmd, create_);
    cmd->add_option("id", create_.id, "Container ID")->required();
    on_parsed(cmd, [this](const StateRoot& root) { return do_create(root, create_); });
  }

  void add_run() {
    auto* cmd = app_.add_subcommand("run", "Create and start a container, wait for it, delete it");
    add_create_flags(cmd, run_.create);
    cmd->add_option("--rootfs", run_.rootfs, "Read-only overlay layer (repeatable, first on top) instead of a bundle")
        ->allow_extra_args(false);  // one directory per --rootfs: the ID that follows is not a layer
    cmd->add_option("--hostname", run_.hostname, "With --rootfs: the container's hostname");
    // Given, even empty, means "check it": --memory '' is an error, not "no limit".
    cmd->add_option_function<std::string>("--memory", [this](const std::string& v) { run_.memory = v; },
                                          "With --rootfs: memory limit (bytes or K/M/G)");
    cmd->add_option_function<std::string>("--pids", [this](const std::string& v) { run_.pids = v; },
                                          "With --rootfs: maximum number of processes");
    cmd->add_option_function<std::string>("--cpus", [this](const std::string& v) { run_.cpus = v; },
                                          "With --rootfs: CPUs (e.g. 0.5)");
    cmd->add_flag("-d,--detach", run_.detach, "Return once started");
    cmd->add_option("id", run_.create.id, "Container ID")->required();
    cmd->add_option("command", run_.command, "Program and arguments (after --)");
    on_parsed(cmd, [this](const StateRoot& root) { return do_run(root, run_); });
  }

  void add_start_and_state() {
    auto* start = app_.add_subcommand("start", "Start a created container");
    start->add_option("id", id_, "Container ID")->required();
    on_parsed(start, [this](const StateRoot& root) { return do_start(root, id_); });
    auto* state = app_.add_subcommand("state", "Print the OCI state of a container");
    state->add_option("id", id_, "Container ID")->required();
    on_parsed(state, [this](const StateRoot& root) { return do_state(root, id_); });
  }

  void add_list() {
    auto* cmd = app_.add_subcommand("list", "List containers");
    cmd->add_option("-f,--format", list_.format, "table or json")->check(CLI::IsMember({"table", "json"}));
    cmd->add_flag("-q,--quiet", list_.quiet, "Only the IDs");
    on_parsed(cmd, [this](const StateRoot& root) { return do_list(root, list_); });
  }

  void add_kill() {
    auto* cmd = app_.add_subcommand("kill", "Send a signal to a container's init (default TERM)");
    cmd->add_flag("-a,--all", kill_.all, "Every process of the container");
    cmd->add_option("id", kill_.id, "Container ID")->required();
    cmd->add_option("signal", kill_.signal, "Name (TERM, SIGKILL) or number");
    on_parsed(cmd, [this](const StateRoot& root) { return do_kill(root, kill_); });
  }

  void add_delete() {
    auto* cmd = app_.add_subcommand("delete", "Delete a container (--force: also a running one)");
    cmd->add_flag("-f,--force", delete_.force, "Kill it first if it runs");
    cmd->add_option("id", delete_.id, "Container ID")->required();
    on_parsed(cmd, [this](const StateRoot& root) { return do_delete(root, delete_); });
  }

  void add_exec() {
    auto* cmd = app_.add_subcommand("exec", "Run a process in a running container");
    cmd->add_option("-p,--process", exec_.process_file, "JSON file with a process object");
    cmd->add_flag("-d,--detach", exec_.detach, "Do not wait for the process");
    cmd->add_option("--pid-file", exec_.pid_file, "Write the process's PID to this file");
    cmd->add_flag("-t,--tty", exec_.tty, "Give the process a terminal (needs --console-socket)");
    cmd->add_option("--console-socket", exec_.console_socket, "Unix socket to send the terminal's master to");
    cmd->add_option("id", exec_.id, "Container ID")->required();
    cmd->add_option("command", exec_.args, "Program and arguments (after --)");
    on_parsed(cmd, [this](const StateRoot& root) { return do_exec(root, exec_); });
  }

  void add_ps() {
    auto* cmd = app_.add_subcommand("ps", "List the processes of a container");
    cmd->add_option("-f,--format", ps_.format, "table or json")->check(CLI::IsMember({"table", "json"}));
    cmd->add_option("id", ps_.id, "Container ID")->required();
    on_parsed(cmd, [this](const StateRoot& root) { return do_ps(root, ps_); });
  }

  void add_features() {
    auto* cmd = app_.add_subcommand("features", "Print what this runtime implements (runtime-spec features JSON)");
    on_parsed(cmd, [](const StateRoot&) { return do_features(); });
  }

  CLI::App app_{"minirun: a runc-compatible OCI runtime written to be read", "minirun"};
  Globals globals_;
  std::function<int(const StateRoot&)> action_;
  SpecArgs spec_;
  CreateArgs create_;
  RunArgs run_;
  std::string id_;
  ListArgs list_;
  KillArgs kill_;
  DeleteArgs delete_;
  ExecOptions exec_;
  PsArgs ps_;
};

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  return cli.main(argc, argv);
}
