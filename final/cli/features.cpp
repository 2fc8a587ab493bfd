// minirun features: what this runtime implements, as the runtime-spec's features JSON.
#include "cli/cli.hpp"
#include "runtime/features.hpp"

#include <nlohmann/json.hpp>

namespace minirun::cli {

void add_features(CommandLine& line, Commands& commands) {
  add_verb(line, commands, "features", "Print what this runtime implements (runtime-spec features JSON)", [](const StateRoot&) {
    print(features().dump(2) + "\n");
    return 0;
  });
}

}  // namespace minirun::cli
