// The names config.json gives kernel things, checked when it is read: capabilities ("CAP_CHOWN"),
// resource limits ("RLIMIT_NOFILE"), mount propagations ("rslave") and which sysctl keys a namespace
// of the container owns. Only
// names and numbers here; the code that applies them is in kernel/.
#pragma once

#include "spec/spec.hpp"

#include <string>
#include <vector>

namespace minirun {

// "CAP_CHOWN" -> 0; Error naming the field for an unknown name.
int capability_number(const std::string& name);
// 0 -> "CAP_CHOWN"; a number minirun has no name for is written as such.
std::string capability_name(int number);
// Every capability name minirun knows, in number order (for `features`).
std::vector<std::string> capability_names();

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; Error naming the field for an unknown name.
int rlimit_resource(const std::string& name);

// "rslave" -> MS_SLAVE | MS_REC, for a mount's options and linux.rootfsPropagation; 0 for a name that is
// not a propagation.
unsigned long propagation_flags(const std::string& name);
// Every propagation name, for `features`.
std::vector<std::string> propagation_names();

// Error naming the key unless a namespace in `namespaces` owns it (ipc: kernel.msg*, kernel.sem,
// kernel.shm*, fs.mqueue.*; network: net.*; uts: kernel.hostname, kernel.domainname).
void check_sysctl(const std::string& key, const std::vector<Namespace>& namespaces);

}  // namespace minirun
