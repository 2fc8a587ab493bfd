// minirun spec [--bundle DIR]: write the default config.json.
#include "base/files.hpp"
#include "cli/cli.hpp"
#include "spec/spec.hpp"

namespace minirun::cli {

void add_spec(CLI::App& app, Command& command) {
  auto bundle = std::make_shared<std::string>(".");
  auto* cmd = add_verb(app, command, "spec", "Write a default config.json into the bundle", [bundle](const StateRoot&) {
    write_new_file(*bundle + "/config.json", to_text(default_spec()));
    return 0;
  });
  cmd->add_option("-b,--bundle", *bundle, "Bundle directory (default: .)");
}

}  // namespace minirun::cli
