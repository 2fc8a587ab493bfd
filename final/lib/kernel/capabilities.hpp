// Capabilities: root's power split into about forty pieces (CAP_CHOWN, CAP_NET_ADMIN, ...). A
// process has five sets of them:
//   bounding     the most it can ever gain, even by executing a set-uid program
//   permitted    what it may switch on;  effective: what is on now
//   inheritable  what may pass through exec (to programs that ask for it)
//   ambient      what does pass through exec, for programs that do not ask
// The spec gives each set by name; minirun sets them with prctl() and capset() right before exec.
#pragma once

#include "spec/spec.hpp"

#include <string>

namespace minirun {

// Before changing uid (dropping needs CAP_SETPCAP, which setuid() away from 0 takes out of the
// effective set): drops what is not in `bounding`, and keeps the permitted set across setuid().
void limit_bounding_set(const Capabilities& caps);
// After changing uid: sets effective, permitted and inheritable, then raises the ambient ones.
void apply_capabilities(const Capabilities& caps);

}  // namespace minirun
