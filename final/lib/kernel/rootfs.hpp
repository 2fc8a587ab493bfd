// The container's root: private mount propagation, the root file system (a bundle's directory or
// an overlay of read-only layers), and the switch into it with pivot_root (or chroot).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace minirun {

// The mode and owner of a root directory: an overlay's merged root is its upper directory's, which
// takes them from the image rather than from the directory minirun made.
struct RootAttributes {
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

struct RootfsPlan {
  std::string path;                       // where the root is (the overlay's merged directory)
  std::vector<std::string> lower_layers;  // empty: `path` is a plain directory
  std::string upper;                      // with layers: where writes land
  std::string work;                       // with layers: overlayfs's scratch directory
};

// Sets the propagation of every mount of the new namespace (a copy whose mounts may be shared with the
// host's) to linux.rootfsPropagation, by default rslave: host mounts still reach the container, and
// nothing goes back. With a shared propagation the root's parent mount is made private, as pivot_root
// requires.
void set_mount_propagation(unsigned long flags, const std::string& rootfs);

// After pivot_root: the container's own / gets linux.rootfsPropagation too.
void set_root_propagation(unsigned long flags);

// Makes plan.path a mount point holding the root file system.
void mount_rootfs(const RootfsPlan& plan);

// pivot_root(".", "."): the new root and the old one stacked on the same directory; the old one
// is then detached. Afterwards nothing of the host's file system is reachable.
void pivot_into(const std::string& rootfs);

// For an initramfs, where pivot_root is impossible: move the root mount onto / and chroot.
void chroot_into(const std::string& rootfs);

// Without a mount namespace of the container's own: chroot alone, no mount touched.
void chroot_only(const std::string& rootfs);

void make_root_readonly();

}  // namespace minirun
