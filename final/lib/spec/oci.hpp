// The constants of the OCI runtime spec that more than one module names: the version minirun
// writes and reports, and the namespaces config.json may list.
#pragma once

#include <sched.h>

namespace minirun {

inline constexpr const char* kOciVersion = "1.0.2";     // written by `minirun spec`, in every state
inline constexpr const char* kOciVersionMin = "1.0.0";  // the oldest config.json minirun reads

// linux.namespaces[].type, the file under /proc/PID/ns/ and the clone flag of each namespace, in the
// order they are entered: user first (it decides what the others allow), mount last (it changes which
// /proc/PID/ns files can be seen).
struct NamespaceKind {
  const char* spec_name;
  const char* proc_name;
  int clone_flag;
};
inline constexpr NamespaceKind kNamespaceKinds[] = {
    {"user", "user", CLONE_NEWUSER},  {"ipc", "ipc", CLONE_NEWIPC}, {"uts", "uts", CLONE_NEWUTS},
    {"network", "net", CLONE_NEWNET}, {"pid", "pid", CLONE_NEWPID}, {"cgroup", "cgroup", CLONE_NEWCGROUP},
    {"mount", "mnt", CLONE_NEWNS},
};

}  // namespace minirun
