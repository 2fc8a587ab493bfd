// minirun ps [--format table|json] ID: the processes of a container.
#include "cli/cli.hpp"
#include "runtime/report.hpp"

#include <nlohmann/json.hpp>

namespace minirun::cli {

void add_ps(CommandLine& line, Commands& commands) {
  auto id = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto& verb = add_verb(line, commands, "ps", "List the processes of a container", [id, format](const StateRoot& root) {
    auto pids = container_pids(root, *id);
    print(*format == "json" ? nlohmann::json(pids).dump() + "\n" : ps_table(pids));
    return 0;
  });
  verb.option("-f,--format", "FORMAT", "table or json", one_of(*format, {"table", "json"}));
  verb.argument("ID", "Container ID", *id);
}

}  // namespace minirun::cli
