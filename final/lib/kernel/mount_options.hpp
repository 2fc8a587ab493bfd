// A mount's "options" list, as config.json and fstab spell it ("ro", "nosuid", "rbind",
// "mode=755"), split into what mount(2) takes: flags, a propagation change, and a data string
// the file system parses itself.
#pragma once

#include <string>
#include <vector>

namespace minirun {

struct MountOptions {
  unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ...
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SLAVE, MS_SHARED or MS_UNBINDABLE (| MS_REC)
  std::string data;               // "mode=755,size=65536k"
};

MountOptions parse_mount_options(const std::vector<std::string>& options);

// Every option name parse_mount_options() turns into a flag or a propagation (for `features`).
std::vector<std::string> known_mount_options();

}  // namespace minirun
