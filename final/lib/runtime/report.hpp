// What `list` and `ps` print: runc's column layout, or JSON with --format json.
#pragma once

#include "state/state.hpp"

#include <nlohmann/json_fwd.hpp>
#include <sys/types.h>

#include <string>
#include <vector>

namespace minirun {

nlohmann::ordered_json list_json(const StateRoot& root);  // an array of OCI states
std::string list_table(const StateRoot& root);     // ID PID STATUS BUNDLE CREATED OWNER
std::string ps_table(const std::vector<pid_t>& pids);  // PID CMD

}  // namespace minirun
