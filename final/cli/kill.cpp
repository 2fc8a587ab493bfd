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

void add_kill(CLI::App& app, Command& command) {
  auto args = std::make_shared<KillArgs>();
  auto* cmd = add_verb(app, command, "kill", "Send a signal to a container's init (default TERM)", [args](const StateRoot& root) {
    kill_container(root, args->id, parse_signal(args->signal), args->all);
    return 0;
  });
  cmd->add_flag("-a,--all", args->all, "Every process of the container");
  cmd->add_option("id", args->id, "Container ID")->required();
  cmd->add_option("signal", args->signal, "Name (TERM, SIGKILL) or number");
}

}  // namespace minirun::cli
