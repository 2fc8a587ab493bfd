// Hooks: programs config.json asks the runtime to run at points of the lifecycle, each given the
// container's state (the JSON `minirun state` prints) on its stdin. Where each runs:
//   prestart, createRuntime  by minirun, once the namespaces exist, before pivot_root
//   createContainer          by the container's init, in its namespaces, before pivot_root
//   startContainer           by the init at `start`, just before the program is executed
//   poststart                by minirun once `start` released the program
//   poststop                 by minirun at `delete`, once the container is gone
// A failing hook before the program runs fails the container; poststart and poststop failures
// are only logged (the runtime spec's rule).
#pragma once

#include "spec/spec.hpp"

#include <string>
#include <vector>

namespace minirun {

// Runs each hook in order and waits for it (at most its timeout); Error naming `phase` and the
// hook's path when one fails or times out.
void run_hooks(const std::vector<Hook>& hooks, const std::string& state, const std::string& phase);

// The ones that run while the container is being created, before its `ready`.
bool has_create_hooks(const Hooks& hooks);

}  // namespace minirun
