// Devices: which device files a container has (linux.devices: nodes made in its /dev) and which it
// may use (linux.resources.devices: the devices cgroup's allow/deny list, checked by the kernel on
// open and mknod, so a node made or passed in later is covered too).
#pragma once

#include "spec/spec.hpp"

#include <string>
#include <vector>

namespace minirun {

// /dev/null, zero, full, random, urandom, tty and the usual symlinks, in a /dev the spec mounted.
// The kernel refuses mknod in a user namespace (a device node would bypass every permission):
// there, the host's nodes are bind-mounted instead, as runc does.
void make_devices(const std::string& rootfs, bool in_user_namespace);

// mknod each device under rootfs (with its mode and owner); in a user namespace, bind-mount the
// host's node of the same path instead.
void make_device_nodes(const std::string& rootfs, const std::vector<Device>& devices, bool in_user_namespace);

// The rules the devices cgroup gets, in order: the spec's own, then an allow for every device
// minirun itself puts in /dev and for each linux.devices node (as runc does). Empty when the spec
// restricts nothing.
std::vector<DeviceRule> effective_device_rules(const Spec& spec);

// "c 1:3 rwm", the format of devices.allow and devices.deny.
std::string device_rule_text(const DeviceRule& rule);

}  // namespace minirun
