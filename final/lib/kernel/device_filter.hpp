// The cgroup v2 devices "controller": v2 has no devices.allow file; instead a small eBPF program
// attached to the cgroup is asked on every open() and mknod() of a device node, and answers 1
// (allow) or 0 (deny). minirun writes that program from the spec's rules, instruction by
// instruction, the way runc and crun do.
#pragma once

#include "spec/spec.hpp"

#include <string>
#include <vector>

namespace minirun {

// Writes the program for `rules`, loads it and attaches it to the cgroup2 directory `dir`; it stays
// until the directory is removed. The rules are read in linux.resources.devices order: a later rule
// overrides an earlier one, as with the v1 files; no rule matching: allowed, as a new v1 cgroup
// allows everything.
void attach_device_filter(const std::string& dir, const std::vector<DeviceRule>& rules);

}  // namespace minirun
