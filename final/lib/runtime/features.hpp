// `minirun features`: what this runtime implements, in the runtime-spec's features.md format, so
// that an engine can ask instead of finding out from a failed create. Built from the same tables
// the implementation uses, so it cannot claim more than there is. And what `--version` prints.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace minirun {

nlohmann::ordered_json features();
std::string version_text();

}  // namespace minirun
