// minirun start ID: let a created container's program run.
#include "cli/cli.hpp"

namespace minirun::cli {

void add_start(CLI::App& app, Command& command) {
  auto id = std::make_shared<std::string>();
  auto* cmd = add_verb(app, command, "start", "Start a created container", [id](const StateRoot& root) {
    start_container(root, *id);
    return 0;
  });
  cmd->add_option("id", *id, "Container ID")->required();
}

}  // namespace minirun::cli
