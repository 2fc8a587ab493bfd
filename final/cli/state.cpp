// minirun state ID: the container's OCI state, as JSON.
#include "cli/cli.hpp"

#include <nlohmann/json.hpp>

namespace minirun::cli {

void add_state(CommandLine& line, Commands& commands) {
  auto id = std::make_shared<std::string>();
  auto& verb = add_verb(line, commands, "state", "Print the OCI state of a container", [id](const StateRoot& root) {
    print(container_state(root, *id).dump(2) + "\n");
    return 0;
  });
  verb.argument("ID", "Container ID", *id);
}

}  // namespace minirun::cli
