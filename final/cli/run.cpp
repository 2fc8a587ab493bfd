// minirun run [--bundle DIR | --rootfs DIR... | --image DIR[:REF] [--store DIR]]
//             [--hostname H] [--memory M] [--pids N] [--cpus C] [-d] ID [-- CMD...]
#include "base/error.hpp"
#include "base/units.hpp"
#include "cli/cli.hpp"
#include "image/layer_store.hpp"
#include "runtime/run.hpp"
#include "spec/spec.hpp"

#include <optional>

namespace minirun::cli {

namespace {

struct RunArgs {
  CreateArgs create;
  std::vector<std::string> rootfs, command;
  std::optional<std::string> image;
  std::optional<std::string> store;
  std::string hostname;
  std::optional<std::string> memory, pids, cpus;  // given, even if empty, means "check it"
  bool detach = false;
};

// A bad value names the option it came from: "--memory: invalid size ...".
template <typename Parse>
auto for_option(const std::string& option, Parse parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw Error(option + ": " + e.what());
  }
}

RootfsRun limits_of(const RunArgs& a) {
  RootfsRun rootfs{a.command, a.hostname, std::nullopt, std::nullopt, std::nullopt};
  if (a.memory) rootfs.memory = for_option("--memory", [&] { return parse_size(*a.memory); });
  if (a.pids) rootfs.pids = for_option("--pids", [&] { return parse_count(*a.pids); });
  if (a.cpus) rootfs.cpu_quota = for_option("--cpus", [&] { return cpus_to_quota(*a.cpus, kCpuPeriod); });
  return rootfs;
}

int run(const StateRoot& root, const RunArgs& a) {
  if (!a.rootfs.empty() && a.image) throw Error("--rootfs and --image: give one of them");
  if (a.store && !a.image) throw Error("--store goes with --image");
  bool own_spec = !a.rootfs.empty() || a.image;
  if (!own_spec && (a.memory || a.pids || a.cpus || !a.hostname.empty())) {
    throw Error("--hostname, --memory, --pids and --cpus go with --rootfs or --image; a bundle's config.json says these");
  }
  CreateOptions options = create_options(a.create);
  if (a.image) {
    ImageRun image{*a.image, a.store.value_or(kDefaultStore), a.command};
    return run_image(root, options, spec_for_rootfs(limits_of(a)), image, a.detach);
  }
  if (a.rootfs.empty()) {
    Spec spec = load_spec(options.bundle + "/config.json");
    if (!a.command.empty()) spec.process.args = a.command;
    return run_container(root, options, spec, a.detach);
  }
  options.layers = a.rootfs;
  return run_container(root, options, spec_for_rootfs(limits_of(a)), a.detach);
}

}  // namespace

void add_run(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<RunArgs>();
  auto& verb = add_verb(line, commands, "run", "Create and start a container, wait for it, delete it",
                        [args](const StateRoot& root) { return run(root, *args); }, kExitRunError, true);
  add_create_flags(verb, args->create);
  verb.option("--rootfs", "DIR", "Read-only overlay layer (repeatable, first on top) instead of a bundle",
              [args](const std::string& dir) { args->rootfs.push_back(dir); });
  verb.option("--image", "DIR[:REF]", "An OCI image layout: its layers, unpacked once, instead of a bundle",
              [args](const std::string& image) { args->image = image; });
  verb.option("--store", "DIR", std::string("With --image: where layers are unpacked (default: ") + kDefaultStore + ")",
              [args](const std::string& store) { args->store = store; });
  verb.option("--hostname", "NAME", "With --rootfs or --image: the container's hostname", args->hostname);
  // Given, even empty, means "check it": --memory '' is an error, not "no limit".
  verb.option("--memory", "SIZE", "With --rootfs or --image: memory limit (bytes or K/M/G)", [args](const std::string& v) { args->memory = v; });
  verb.option("--pids", "N", "With --rootfs or --image: maximum number of processes", [args](const std::string& v) { args->pids = v; });
  verb.option("--cpus", "CPUS", "With --rootfs or --image: CPUs (e.g. 0.5)", [args](const std::string& v) { args->cpus = v; });
  verb.flag("-d,--detach", "Return once started", args->detach);
  verb.argument("ID", "Container ID", args->create.id);
  verb.rest("COMMAND", "Program and arguments", args->command);
}

}  // namespace minirun::cli
