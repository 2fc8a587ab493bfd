// minirun features: what this runtime implements, as the runtime-spec's features JSON.
#include "cli/cli.hpp"
#include "runtime/features.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace minirun::cli {

void add_features(CLI::App& app, Command& command) {
  add_verb(app, command, "features", "Print what this runtime implements (runtime-spec features JSON)", [](const StateRoot&) {
    std::cout << features().dump(2) << '\n';
    return 0;
  });
}

}  // namespace minirun::cli
