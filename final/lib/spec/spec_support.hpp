// Which config.json fields minirun implements: exactly those the tables of schema.hpp have. A field
// of the runtime spec that is not there is refused by name: silently ignoring, say, an AppArmor
// profile would run a container less confined than asked. A property the spec does not define at
// all is ignored, as the spec requires (said with --debug).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace minirun {

// Throws Error("unsupported field \"linux.intelRdt\"") for the first field of the spec not implemented;
// `prefix` is where `value` sits in config.json ("" for the whole document, "process" for
// `exec --process`).
void refuse_unsupported(const nlohmann::json& value, const std::string& prefix = "");

}  // namespace minirun
