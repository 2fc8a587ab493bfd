// Paths inside the container's root, resolved as if that root were already "/".
//
// Before pivot_root the init still sees the host's file system, and the image is untrusted: a
// symlink /etc/evil -> /tmp/x (or -> ../../../../tmp/x) would lead a mount made at rootfs + path
// onto the host. openat2(RESOLVE_IN_ROOT) makes the kernel treat the root's fd as "/" for the whole
// walk, absolute symlinks and ".." included, so every path here stays inside the root.
#pragma once

#include "base/fd.hpp"

#include <string>

namespace minirun {

// An O_PATH fd of the root directory (host path), the anchor of everything below.
Fd open_root(const std::string& rootfs);

// openat2(root, path, flags | O_CLOEXEC) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS.
// Throws Error("open", path, errno) when it fails.
Fd open_in_root(const Fd& root, const std::string& path, int flags);

// Makes `path` exist inside the root, like mkdir -p (or, when `as_file`, an empty file whose
// parents are made that way), following symlinks inside the root, dangling ones too: their
// target is made. Returns an O_PATH fd of what is now there.
Fd make_path_in_root(const Fd& root, const std::string& path, bool as_file);

// "/proc/self/fd/N": a name of the fd's file usable where only a path is accepted (mount, chmod).
std::string fd_path(const Fd& fd);

}  // namespace minirun
