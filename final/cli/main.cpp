// minirun's entry point: the global options, one subcommand per verb (cli/<verb>.cpp), and the
// one line an error becomes: "minirun: <verb>: <what failed>".
#include "base/log.hpp"
#include "cli/cli.hpp"
#include "kernel/sealed_self.hpp"
#include "runtime/features.hpp"

using namespace minirun;
using namespace minirun::cli;

namespace {

struct Globals {
  std::string root = kDefaultStateRoot;
  std::string log_file;
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
};

void add_globals(CLI::App& app, Globals& globals) {
  app.add_option("--root", globals.root, "State directory")->capture_default_str();
  app.add_option("--log", globals.log_file, "Write errors to this file instead of stderr");
  app.add_option("--log-format", globals.log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", globals.debug, "Log debug messages");
  app.add_flag("--systemd-cgroup", globals.systemd_cgroup, "Accepted; cgroupfs is used");
}

std::string verb_of(const CLI::App& app) {
  auto verbs = app.get_subcommands();
  return verbs.empty() ? "usage" : verbs.front()->get_name();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"minirun: a runc-compatible OCI runtime written to be read", "minirun"};
  app.set_version_flag("-v,--version", [] { return version_text(); });
  app.require_subcommand(1);
  app.fallthrough();  // global options are also accepted after the verb
  Globals globals;
  add_globals(app, globals);
  Command command;
  for (auto add : {add_spec, add_create, add_run, add_start, add_state, add_list, add_kill, add_delete, add_exec,
                   add_ps, add_features}) {
    add(app, command);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports an unknown verb as a missing one; name what was typed instead.
    if (app.get_subcommands().empty() && !app.remaining().empty()) {
      log_error(app.remaining().front(), "unknown command (minirun --help lists them)");
      return kExitError;
    }
    log_error(verb_of(app), e.what());  // one line, like every other error
    return command.failure_status;
  }
  configure_log({globals.log_file, globals.log_format == "json", globals.debug, verb_of(app)});
  try {
    // First of all, before any process of ours enters a container: kernel/sealed_self.hpp says why.
    if (command.enters_containers) run_from_sealed_self(argv);
    if (globals.systemd_cgroup) log_info(verb_of(app), "--systemd-cgroup given: minirun manages cgroupfs itself");
    return command.action(StateRoot(globals.root));
  } catch (const std::exception& e) {
    log_error(e.what());
    return command.failure_status;
  }
}
