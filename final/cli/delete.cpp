// minirun delete [--force] ID
#include "cli/cli.hpp"

namespace minirun::cli {

namespace {

struct DeleteArgs {
  std::string id;
  bool force = false;
};

}  // namespace

void add_delete(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<DeleteArgs>();
  auto& verb = add_verb(line, commands, "delete", "Delete a container (--force: also a running one)", [args](const StateRoot& root) {
    delete_container(root, args->id, args->force);
    return 0;
  });
  verb.flag("-f,--force", "Kill it first if it runs", args->force);
  verb.argument("ID", "Container ID", args->id);
}

}  // namespace minirun::cli
