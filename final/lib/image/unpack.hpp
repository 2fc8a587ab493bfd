// One layer's tar, unpacked into a directory the way overlayfs wants a lower layer: the OCI
// whiteouts (".wh.NAME", ".wh..wh..opq") become overlayfs's own (a 0/0 character device, the
// trusted.overlay.opaque xattr). Every file is made with the *at system calls, relative to the
// directory, through parents that are real directories of the layer: an entry that names "..", an
// absolute path, a way through a symlink, or a hard link to something outside the layer is refused.
#pragma once

#include "kernel/rootfs.hpp"

#include <optional>
#include <string>

namespace minirun {

// The layer's media types minirun reads: tar, gzip- or zstd-compressed tar (OCI and Docker names).
bool is_layer_media_type(const std::string& media_type);

// Unpacks the tar read from `blob` (an open file, compressed as `media_type` says) into the empty
// directory `dir`. Throws Error naming `what` and the entry on anything refused or unreadable; what
// was unpacked until then stays in `dir` for the caller to remove. Returns the mode and owner the tar
// gives its root ("./"), when it names it: they belong to the merged root, not to `dir`.
std::optional<RootAttributes> unpack_layer(int blob, const std::string& media_type, int dir, const std::string& what);

}  // namespace minirun
