// The container's file system view, built inside its own mount namespace:
// the spec's mounts (proc, sysfs, tmpfs, devpts, mqueue, cgroup, bind), the device nodes of /dev,
// and, once inside the new root, the masked and read-only paths.
#pragma once

#include "cgroups.hpp"
#include "fd.hpp"
#include "spec.hpp"

#include <string>
#include <vector>

namespace minirun {

// Mounts each entry of `mounts` under `rootfs` (a path as the host sees it). Destinations, and
// the directories made on the way, are resolved inside the root (path_in_root.hpp): a symlink in
// the image leads to a place in the image, never onto the host.
void mount_all(const std::string& rootfs, const std::vector<Mount>& mounts,
               const std::vector<HierarchyView>& cgroups);

// /dev/null, zero, full, random, urandom, tty and the usual symlinks, in a /dev the spec mounted.
// The kernel refuses mknod in a user namespace (a device node would bypass every permission):
// there, the host's nodes are bind-mounted instead, as runc does.
void make_devices(const std::string& rootfs, bool in_user_namespace);
// Binds the host's node `host_path` onto `path` inside the root (made as an empty file).
void bind_host_device(const std::string& host_path, const Fd& root, const std::string& path);

// After the root changed: hide maskedPaths (an empty read-only tmpfs over a directory, /dev/null
// over a file) and make readonlyPaths read-only. Paths that do not exist are skipped.
void mask_paths(const std::vector<std::string>& paths);
void make_readonly(const std::vector<std::string>& paths);

}  // namespace minirun
