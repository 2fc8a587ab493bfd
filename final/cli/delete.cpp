// minirun delete [--force] ID
#include "cli/cli.hpp"

namespace minirun::cli {

namespace {

struct DeleteArgs {
  std::string id;
  bool force = false;
};

}  // namespace

void add_delete(CLI::App& app, Command& command) {
  auto args = std::make_shared<DeleteArgs>();
  auto* cmd = add_verb(app, command, "delete", "Delete a container (--force: also a running one)", [args](const StateRoot& root) {
    delete_container(root, args->id, args->force);
    return 0;
  });
  cmd->add_flag("-f,--force", args->force, "Kill it first if it runs");
  cmd->add_option("id", args->id, "Container ID")->required();
}

}  // namespace minirun::cli
