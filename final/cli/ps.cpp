// minirun ps [--format table|json] ID: the processes of a container.
#include "cli/cli.hpp"
#include "runtime/report.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace minirun::cli {

void add_ps(CLI::App& app, Command& command) {
  auto id = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto* cmd = add_verb(app, command, "ps", "List the processes of a container", [id, format](const StateRoot& root) {
    auto pids = container_pids(root, *id);
    std::cout << (*format == "json" ? nlohmann::json(pids).dump() + "\n" : ps_table(pids));
    return 0;
  });
  cmd->add_option("-f,--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("id", *id, "Container ID")->required();
}

}  // namespace minirun::cli
