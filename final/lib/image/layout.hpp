// An OCI image layout, as `podman save --format oci-dir`, `skopeo copy ... oci:DIR` and umoci write
// it: the file oci-layout, index.json, and blobs/sha256/<digest>. index.json names manifests (or
// further indexes, one per platform); a manifest names the image's config and its layers, each a
// blob named by the SHA-256 of its bytes. Every blob is verified against its digest and size
// before it is used.
#pragma once

#include "base/fd.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace minirun {

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex digits>"
  int64_t size = 0;
};

// What the image's config says of its process (the OCI image spec's "config" object).
struct ImageConfig {
  std::vector<std::string> entrypoint, cmd, env;
  std::string working_dir, user;
};

struct Image {
  std::string layout;              // the layout's directory
  std::string manifest_digest;
  std::vector<Descriptor> layers;  // bottom first, as the manifest lists them
  ImageConfig config;
};

// "DIR" or "DIR:REF": REF is the org.opencontainers.image.ref.name of one of index.json's manifests
// ("latest", or the name podman gives it). Without REF, the index must name one image for this
// machine's platform.
Image open_image(const std::string& reference);

// The blob, opened and checked against `blob`'s digest and size; positioned at its start.
Fd open_blob(const std::string& layout, const Descriptor& blob);

// "sha256:0123...": the hex digits, checked to be 64 of them.
std::string digest_hex(const std::string& digest);

}  // namespace minirun
