// minirun list [--format table|json] [--quiet]
#include "cli/cli.hpp"
#include "runtime/report.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace minirun::cli {

namespace {

struct ListArgs {
  std::string format = "table";
  bool quiet = false;
};

std::string ids_of(const StateRoot& root) {
  std::string lines;
  for (const auto& id : root.ids()) lines += id + "\n";
  return lines;
}

}  // namespace

void add_list(CLI::App& app, Command& command) {
  auto args = std::make_shared<ListArgs>();
  auto* cmd = add_verb(app, command, "list", "List containers", [args](const StateRoot& root) {
    if (args->quiet) {
      std::cout << ids_of(root);
      return 0;
    }
    std::cout << (args->format == "json" ? list_json(root).dump() + "\n" : list_table(root));
    return 0;
  });
  cmd->add_option("-f,--format", args->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("-q,--quiet", args->quiet, "Only the IDs");
}

}  // namespace minirun::cli
