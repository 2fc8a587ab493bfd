#include "cli/cli.hpp"

namespace minirun::cli {

CLI::App* add_verb(CLI::App& app, Command& command, const std::string& name, const std::string& description,
                   std::function<int(const StateRoot&)> action, int failure_status) {
  CLI::App* cmd = app.add_subcommand(name, description);
  // Before the verb's own options are parsed, so that their errors get its status too.
  cmd->preparse_callback([&command, failure_status](size_t) { command.failure_status = failure_status; });
  cmd->final_callback([&command, action = std::move(action)] { command.action = action; });
  return cmd;
}

void enters_containers(CLI::App* cmd, Command& command) {
  cmd->parse_complete_callback([&command] { command.enters_containers = true; });
}

}  // namespace minirun::cli
