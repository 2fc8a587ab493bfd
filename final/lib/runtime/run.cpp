#include "runtime/run.hpp"

#include "base/fault.hpp"
#include "base/log.hpp"
#include "image/image_spec.hpp"
#include "image/layer_store.hpp"
#include "image/layout.hpp"
#include "kernel/cgroups.hpp"
#include "kernel/foreground.hpp"

#include <functional>
#include <optional>

namespace minirun {

Spec spec_for_rootfs(const RootfsRun& run) {
  Spec spec = default_spec();
  spec.process.args = run.args.empty() ? std::vector<std::string>{"/bin/sh"} : run.args;
  spec.root_readonly = false;  // writes go to the overlay's upper directory, never to the layers
  if (!run.hostname.empty()) spec.hostname = run.hostname;
  if (run.memory) {
    spec.resources.memory_limit = *run.memory;
    spec.resources.memory_swap = *run.memory;  // memory + swap = memory: no swapping out of the limit
  }
  if (run.pids) spec.resources.pids_limit = *run.pids;  // else the default spec's cap on fork bombs
  if (run.cpu_quota) {
    spec.resources.cpu_quota = *run.cpu_quota;
    spec.resources.cpu_period = kCpuPeriod;
  }
  return spec;
}

namespace {

void report_oom(const Record& record) {
  if (Cgroup::open(record.cgroup)->oom_kills() > 0) {
    notice("container \"" + record.id + "\": a process was killed by the OOM killer");
  }
}

// run_container, calling `recorded` once the container is recorded in the state root.
int run_recorded(const StateRoot& root, const CreateOptions& options, const Spec& spec, bool detach,
                 const std::function<void()>& recorded) {
  // Ctrl-C or a `kill` during setup must not kill minirun half way (that would leave the container
  // behind); once the container runs, they are passed on to it.
  std::optional<SignalForwarder> forwarder;
  if (!detach) forwarder.emplace(0);
  Record record = create_container(root, options, spec);
  recorded();
  try {
    if (forwarder) forwarder->retarget(record.pid);
    start_created(root, record, spec.hooks);
    if (detach) return 0;
    fault_point("run:waiting");
    int status = wait_for_exit(record.pid);  // the init is our child: we are its subreaper
    fault_point("run:exited");
    forwarder.reset();
    report_oom(record);
    delete_exited(root, record, spec.hooks);
    return status;
  } catch (...) {
    try {
      delete_container(root, options.id, true);
    } catch (...) {
      // The first error is the one to report.
    }
    throw;
  }
}

}  // namespace

int run_container(const StateRoot& root, const CreateOptions& options, const Spec& spec, bool detach) {
  return run_recorded(root, options, spec, detach, [] {});
}

// The store's lock is held (shared) from the unpack until the container is recorded, so that a prune
// in between cannot take its layers. A failure after the unpack takes away what this run unpacked.
int run_image(const StateRoot& root, CreateOptions options, Spec spec, const ImageRun& run, bool detach) {
  validate_id(options.id);  // before anything is unpacked
  Image image = open_image(run.reference);
  apply_image_config(spec, image.config, run.command);
  LayerStore store(run.store);
  Fd hold;
  UnpackedImage unpacked = store.unpack(image, hold);
  options.layers = unpacked.lowers;
  options.layers_root = unpacked.root;
  try {
    if (!image.config.user.empty()) spec.process.user = image_user(image.config.user, options.layers);
    return run_recorded(root, options, spec, detach, [&hold] { hold.reset(); });
  } catch (...) {
    hold.reset();
    try {
      store.forget(root, unpacked.unpacked);  // unless a container uses them by now
    } catch (...) {
      // The first error is the one to report.
    }
    throw;
  }
}

}  // namespace minirun
