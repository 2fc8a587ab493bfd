// minirun kill [--all] ID [SIGNAL]
#include "base/signals.hpp"
#include "cli/cli.hpp"

namespace minirun::cli {

namespace {

struct KillArgs {
  std::string id, signal = "TERM";
  bool all = false;
};

}  // namespace

void add_kill(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<KillArgs>();
  auto& verb = add_verb(line, commands, "kill", "Send a signal to a container's init (default TERM)", [args](const StateRoot& root) {
    kill_container(root, args->id, parse_signal(args->signal), args->all);
    return 0;
  });
  verb.flag("-a,--all", "Every process of the container", args->all);
  verb.argument("ID", "Container ID", args->id);
  verb.argument("SIGNAL", "Name (TERM, SIGKILL) or number", args->signal, false);
}

}  // namespace minirun::cli
