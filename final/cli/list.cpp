// minirun list [--format table|json] [--quiet]
#include "cli/cli.hpp"
#include "runtime/report.hpp"

#include <nlohmann/json.hpp>

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

void add_list(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<ListArgs>();
  auto& verb = add_verb(line, commands, "list", "List containers", [args](const StateRoot& root) {
    if (args->quiet) {
      print(ids_of(root));
      return 0;
    }
    print(args->format == "json" ? list_json(root).dump() + "\n" : list_table(root));
    return 0;
  });
  verb.option("-f,--format", "FORMAT", "table or json", one_of(args->format, {"table", "json"}));
  verb.flag("-q,--quiet", "Only the IDs", args->quiet);
}

}  // namespace minirun::cli
