// linux.sysctl: kernel settings written under /proc/sys. Only the settings a namespace of the
// container owns may be set: anything else would change the host, for every process on it.
#pragma once

#include "spec/spec.hpp"

#include <map>
#include <string>
#include <vector>

namespace minirun {

// Writes each value to /proc/sys/KEY (dots become slashes), in the container's /proc.
void apply_sysctl(const std::map<std::string, std::string>& settings);

}  // namespace minirun
