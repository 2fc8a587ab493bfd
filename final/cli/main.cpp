// minirun's entry point: the global options, one subcommand per verb (cli/<verb>.cpp), and the
// one line an error becomes: "minirun: <verb>: <what failed>".
#include "base/log.hpp"
#include "cli/cli.hpp"
#include "kernel/sealed_self.hpp"
#include "runtime/features.hpp"

#include <algorithm>

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

void add_globals(Verb& global, Globals& globals) {
  global.option("--root", "DIR", "State directory (default: " + globals.root + ")", globals.root);
  global.option("--log", "FILE", "Write errors to this file instead of stderr", globals.log_file);
  global.option("--log-format", "FORMAT", "text or json", one_of(globals.log_format, {"text", "json"}));
  global.flag("--debug", "Log debug messages", globals.debug);
  global.flag("--systemd-cgroup", "Accepted; cgroupfs is used", globals.systemd_cgroup);
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine line{"minirun: a runc-compatible OCI runtime written to be read"};
  Globals globals;
  add_globals(line.global(), globals);
  Commands commands;
  for (auto add : {add_spec, add_create, add_run, add_start, add_state, add_list, add_kill, add_delete, add_exec,
                   add_ps, add_features, add_images}) {
    add(line, commands);
  }
  const Command* command = nullptr;
  Parsed parsed;
  try {
    parsed = line.parse(argc, argv, [&](Verb& verb) {
      command = &std::ranges::find(commands, verb.name(), &Commands::value_type::first)->second;
    });
  } catch (const UsageError& e) {
    log_error(e.verb, e.what());  // one line, like every other error
    return command ? command->failure_status : kExitError;
  }
  if (parsed.version) {
    print(version_text() + "\n");
    return 0;
  }
  if (parsed.help) {
    print(parsed.verb ? parsed.verb->help() : line.help());
    return 0;
  }
  const std::string& verb = parsed.verb->name();
  configure_log({globals.log_file, globals.log_format == "json", globals.debug, verb});
  try {
    // First of all, before any process of ours enters a container: kernel/sealed_self.hpp says why.
    if (command->enters_containers) run_from_sealed_self(argv);
    if (globals.systemd_cgroup) log_info(verb, "--systemd-cgroup given: minirun manages cgroupfs itself");
    return command->action(StateRoot(globals.root));
  } catch (const std::exception& e) {
    log_error(e.what());
    return command->failure_status;
  }
}
