// minirun state ID: the container's OCI state, as JSON.
#include "cli/cli.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace minirun::cli {

void add_state(CLI::App& app, Command& command) {
  auto id = std::make_shared<std::string>();
  auto* cmd = add_verb(app, command, "state", "Print the OCI state of a container", [id](const StateRoot& root) {
    std::cout << container_state(root, *id).dump(2) << '\n';
    return 0;
  });
  cmd->add_option("id", *id, "Container ID")->required();
}

}  // namespace minirun::cli
