// minirun spec [--bundle DIR]: write the default config.json.
#include "base/files.hpp"
#include "cli/cli.hpp"
#include "spec/spec.hpp"

namespace minirun::cli {

void add_spec(CommandLine& line, Commands& commands) {
  auto bundle = std::make_shared<std::string>(".");
  auto& verb = add_verb(line, commands, "spec", "Write a default config.json into the bundle", [bundle](const StateRoot&) {
    write_new_file(*bundle + "/config.json", to_text(default_spec()));
    return 0;
  });
  verb.option("-b,--bundle", "DIR", "Bundle directory (default: .)", *bundle);
}

}  // namespace minirun::cli
