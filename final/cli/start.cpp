// minirun start ID: let a created container's program run.
#include "cli/cli.hpp"

namespace minirun::cli {

void add_start(CommandLine& line, Commands& commands) {
  auto id = std::make_shared<std::string>();
  auto& verb = add_verb(line, commands, "start", "Start a created container", [id](const StateRoot& root) {
    start_container(root, *id);
    return 0;
  });
  verb.argument("ID", "Container ID", *id);
}

}  // namespace minirun::cli
