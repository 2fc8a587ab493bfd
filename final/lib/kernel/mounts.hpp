// The container's file system view, built inside its own mount namespace:
// the spec's mounts (proc, sysfs, tmpfs, devpts, mqueue, cgroup, bind) and, once inside the new
// root, the masked and read-only paths.
#pragma once

#include "base/fd.hpp"
#include "kernel/cgroups.hpp"
#include "spec/spec.hpp"

#include <string>
#include <vector>

namespace minirun {

// Mounts each entry of `mounts` under `rootfs` (a path as the host sees it). Destinations, and
// the directories made on the way, are resolved inside the root (path_in_root.hpp): a symlink in
// the image leads to a place in the image, never onto the host.
void mount_all(const std::string& rootfs, const std::vector<Mount>& mounts,
               const std::vector<HierarchyView>& cgroups);

// Binds the host's node `host_path` onto `path` inside the root (made as an empty file).
void bind_host_device(const std::string& host_path, const Fd& root, const std::string& path);

// After the root changed: hide maskedPaths (an empty read-only tmpfs over a directory, /dev/null
// over a file) and make readonlyPaths read-only. Paths that do not exist are skipped.
void mask_paths(const std::vector<std::string>& paths);
void make_readonly(const std::vector<std::string>& paths);

// The flags a remount of the mount at `path` must keep (nosuid, nodev, noexec, the atime ones):
// dropping nosuid or noexec by accident would loosen the mount.
unsigned long flags_of_mount(const std::string& path);

}  // namespace minirun
