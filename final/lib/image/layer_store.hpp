// The layer store: each layer of an image unpacked once, in a directory named by its digest
// (content addressing: two images, or two containers, that have a layer share its directory), to be
// stacked read-only as an overlay lower directory under any number of containers.
//
//   STORE/layers/lock                     flock: exclusive to unpack or prune, shared while a container is made
//   STORE/layers/sha256/<hex>/            a layer, complete: only ever renamed into place once unpacked
//                             fs/         its files, the overlay lower directory
//                             layer.json  its size, and its root's mode and owner if its tar names them
//   STORE/layers/sha256/.<hex>.tmp/       a layer being unpacked; one left by a crash is never used, and is
//                                         removed by the next unpack of that layer or by a prune
#pragma once

#include "base/fd.hpp"
#include "image/layout.hpp"
#include "kernel/rootfs.hpp"
#include "state/state.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace minirun {

inline const char* const kDefaultStore = "/var/lib/minirun";

struct StoredLayer {
  std::string digest;
  uint64_t size = 0;                 // bytes of its files and symlinks
  std::vector<std::string> used_by;  // containers under the state root that stack it
};

struct UnpackedImage {
  std::vector<std::string> lowers;  // the layers' fs directories, top first
  RootAttributes root{0555, 0, 0};  // the topmost layer's that names it; none does: 0555 root's, as podman's
  std::vector<std::string> unpacked;  // the digests this call unpacked (the others were there)
};

// What `minirun images` prints: LAYER (the digest cut to 12 hex digits, as engines show IDs), BYTES,
// USED BY.
std::string layers_table(const std::vector<StoredLayer>& layers);

class LayerStore {
 public:
  explicit LayerStore(const std::string& dir);

  // The image's layers, each unpacked here unless it already is. Returns with the store's lock held
  // shared in `hold`: a prune waits until the container that uses them is recorded and `hold` is closed.
  UnpackedImage unpack(const Image& image, Fd& hold) const;
  std::vector<StoredLayer> list(const StateRoot& root) const;
  // Removes the layers no container under `root` uses; returns their digests.
  std::vector<std::string> prune(const StateRoot& root) const;
  // The same for `digests` alone: a run that fails after unpacking leaves no layer behind.
  void forget(const StateRoot& root, const std::vector<std::string>& digests) const;

 private:
  Fd lock(int operation) const;
  std::vector<std::string> stored() const;
  std::vector<std::string> remove_unused(const StateRoot& root, const std::vector<std::string>& hexes) const;
  std::string dir_;  // STORE/layers/sha256, absolute
};

}  // namespace minirun
