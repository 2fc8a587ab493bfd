// linux.sysctl: kernel settings written under /proc/sys. Only the settings a namespace of the
// container owns may be set: anything else would change the host, for every process on it.
#pragma once

#include "spec.hpp"

#include <map>
#include <string>
#include <vector>

namespace minirun {

// Error naming the key unless a namespace in `namespaces` owns it (ipc: kernel.msg*, kernel.sem,
// kernel.shm*, fs.mqueue.*; network: net.*; uts: kernel.hostname, kernel.domainname).
void check_sysctl(const std::string& key, const std::vector<Namespace>& namespaces);

// Writes each value to /proc/sys/KEY (dots become slashes), in the container's /proc.
void apply_sysctl(const std::map<std::string, std::string>& settings);

}  // namespace minirun
