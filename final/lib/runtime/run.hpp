// `run`: create + start, then (unless detached) wait in the foreground and delete. Also the spec
// that `run --rootfs DIR` builds in memory, the tutorial's short way to a container, and the same
// from an OCI image (`run --image`).
#pragma once

#include "runtime/container.hpp"

#include <cstdint>
#include <optional>

namespace minirun {

struct RootfsRun {
  std::vector<std::string> args;  // empty: /bin/sh
  std::string hostname;           // empty: the default spec's
  std::optional<int64_t> memory;  // bytes
  std::optional<int64_t> pids;
  std::optional<int64_t> cpu_quota;  // µs per kCpuPeriod
};
inline constexpr int64_t kCpuPeriod = 100000;

// The default spec, with the command and limits given; the root is set by create (the overlay).
Spec spec_for_rootfs(const RootfsRun& run);

// Returns the container's exit status (128+N on signal N), or 0 when detached.
int run_container(const StateRoot& root, const CreateOptions& options, const Spec& spec, bool detach);

// `run --image`: the image's layers, unpacked into the store unless they are there, stacked as with
// --rootfs under `spec` (the limits given), which the image's config completes (its process).
struct ImageRun {
  std::string reference;             // DIR[:REF]
  std::string store;                 // the layer store's directory
  std::vector<std::string> command;  // empty: the image's Cmd
};
int run_image(const StateRoot& root, CreateOptions options, Spec spec, const ImageRun& run, bool detach);

}  // namespace minirun
