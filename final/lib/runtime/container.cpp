#include "runtime/container.hpp"

#include "base/clock.hpp"
#include "base/error.hpp"
#include "base/fault.hpp"
#include "base/files.hpp"
#include "base/log.hpp"
#include "base/rollback.hpp"
#include "kernel/cgroups.hpp"
#include "kernel/console.hpp"
#include "kernel/devices.hpp"
#include "kernel/hooks.hpp"
#include "kernel/namespaces.hpp"
#include "runtime/channel.hpp"
#include "runtime/init.hpp"
#include "runtime/launch.hpp"
#include "state/seccomp_cache.hpp"

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>

namespace minirun {

namespace {

std::string absolute(const std::string& path, const std::string& base) {
  return path.starts_with("/") ? path : base + "/" + path;
}

std::string existing_dir(const std::string& path, const std::string& what) {
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) throw Error(what, path, errno);
  struct stat st {};
  if (::stat(resolved, &st) == -1 || !S_ISDIR(st.st_mode)) throw Error(what, path, ENOTDIR);
  return resolved;
}

// By default "minirun-ID" under each hierarchy's root (runc uses the bare ID); systemd's
// "slice:prefix:name" form is not supported.
std::string cgroup_path_for(const Spec& spec, const std::string& id) {
  std::string path = spec.cgroups_path.empty() ? "minirun-" + id : spec.cgroups_path;
  if (path.find(':') != std::string::npos || path.find("..") != std::string::npos) {
    throw Error("unsupported field \"linux.cgroupsPath\": \"" + path + "\"");
  }
  return path.starts_with("/") ? path : "/" + path;
}

// The merged root is the upper directory's: given, or the top layer's root's mode and owner.
void set_root_attributes(const std::string& upper, std::optional<RootAttributes> given, const std::string& top_layer) {
  if (!given) {
    struct stat top {};
    check(::stat(top_layer.c_str(), &top), "stat", top_layer);
    given = RootAttributes{top.st_mode & 07777, top.st_uid, top.st_gid};
  }
  check(::chown(upper.c_str(), given->uid, given->gid), "chown", upper);
  check(::chmod(upper.c_str(), given->mode), "chmod", upper);
}

RootfsPlan plan_rootfs(const StateRoot& root, const CreateOptions& options, Spec& spec) {
  RootfsPlan plan;
  if (options.layers.empty()) {
    plan.path = existing_dir(absolute(spec.root_path, options.bundle), "rootfs");
  } else {
    std::string dir = root.dir_of(options.id);
    for (const auto& layer : options.layers) plan.lower_layers.push_back(existing_dir(layer, "rootfs"));
    plan.path = dir + "/merged";
    plan.upper = dir + "/upper";
    plan.work = dir + "/work";
    for (const auto& made : {plan.path, plan.upper, plan.work}) check(::mkdir(made.c_str(), 0755), "mkdir", made);
    set_root_attributes(plan.upper, options.layers_root, plan.lower_layers.front());
  }
  spec.root_path = plan.path;
  return plan;
}

void resolve_bind_sources(Spec& spec, const std::string& bundle) {
  for (auto& mount : spec.mounts) {
    if (mount.type == "bind" && !mount.source.empty()) mount.source = absolute(mount.source, bundle);
  }
}

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
  }
}

// The stage made a user namespace and waits for its id maps.
void map_user_namespace(const Spec& spec, pid_t stage, Channel& channel) {
  if (!spec.makes_user_namespace()) return;
  channel.wait_for("userns");
  write_id_maps(stage, spec.uid_mappings, spec.gid_mappings);
  channel.reply("mapped");
}

// The init asked for them: runs prestart and createRuntime here, in minirun's namespaces, then
// lets the init go on.
void run_runtime_hooks(const InitPlan& plan, const Record& record, Channel& channel) {
  if (!has_create_hooks(plan.spec.hooks)) return;
  channel.wait_for("hooks");
  std::string state = oci_state(record, Status::creating).dump();
  run_hooks(plan.spec.hooks.prestart, state, "prestart");
  run_hooks(plan.spec.hooks.create_runtime, state, "createRuntime");
  channel.reply(state);
}

// Launches the init (launch.hpp) and returns its host PID.
pid_t clone_init(const InitPlan& plan, Channel& channel, Rollback& undo) {
  std::vector<HierarchyView> cgroups;  // filled in the stage, read by the init it forks
  LaunchPlan launch_plan{plan.cgroup, [&](Channel& c) { cgroups = enter_new_namespaces(plan, c); },
                         [&](Channel& c) { run_init(plan, cgroups, c); },
                         [&](pid_t stage, Channel& c) { map_user_namespace(plan.spec, stage, c); }};
  pid_t init = launch(launch_plan, channel);
  undo.add([init] {
    ::kill(init, SIGKILL);
    reap(init);
  });
  return init;
}

// The init waits for this word before it waits for `start`; if minirun dies first, the init reads
// end of file and exits, so a killed create leaves no process behind (init.cpp).
void keep_init(const Channel& channel) { channel.reply("kept"); }

// What is known before anything is made; `creator` marks the create as under way.
Record first_record(const CreateOptions& options, const Spec& spec) {
  Record record;
  record.id = options.id;
  record.bundle = options.bundle;
  record.created = now_rfc3339();
  record.owner = current_owner();
  record.annotations = spec.annotations;
  record.creator = ::getpid();
  auto start_time = start_time_of(record.creator);
  if (!start_time) throw Error("read", "/proc/self/stat", errno);
  record.creator_start_time = *start_time;
  return record;
}

// An init that already failed (a missing mount source, say) is a zombie with no start time; it sent
// its one-line error before exiting, and that is the error to report, not its death.
void record_init(Record& record, pid_t init, Channel& channel) {
  auto start_time = start_time_of(init);
  if (!start_time) channel.wait_ready();  // throws the init's own error, or that it died
  if (!start_time) throw Error("container init exited during setup");
  record.pid = init;
  record.start_time = *start_time;
}

// poststart and poststop come too late to undo anything: a failure is logged, not raised.
void run_hooks_warning(const std::vector<Hook>& hooks, const nlohmann::ordered_json& state, const std::string& phase) {
  try {
    run_hooks(hooks, state.dump(), phase);
  } catch (const std::exception& e) {
    log_warning(phase, e.what());
  }
}

// A create killed before it wrote config.json left no hooks to run.
Hooks load_hooks_if_any(const std::string& config) {
  if (::access(config.c_str(), F_OK) == -1 && errno == ENOENT) return {};
  return load_spec(config).hooks;
}

// The init waits on the exec fifo (init.cpp): one byte lets it exec the container's program.
void release_init(const StateRoot& root, const Record& record, const Hooks& hooks) {
  std::string fifo = root.fifo_of(record.id);
  // Non-blocking: if the init died in between, there is no reader and open fails (ENXIO).
  Fd writer(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!writer.valid()) throw Error("open", fifo, errno);
  fault_point("start:fifo-opened");
  check(::write(writer.get(), "0", 1), "write", fifo);
  fault_point("start:init-released");
  check(::unlink(fifo.c_str()), "unlink", fifo);
  run_hooks_warning(hooks.poststart, oci_state(record, Status::running), "poststart");
}

// Kills a live init, empties and removes the cgroup, then the state directory; runs poststop.
void remove_container(const StateRoot& root, const Record& record, const Hooks& hooks) {
  // Only a live init with the recorded start time: a dead init's PID may belong to someone else.
  if (record.pid > 0 && is_alive(record.pid, record.start_time)) ::kill(record.pid, SIGKILL);
  fault_point("delete:init-killed");
  // destroy() SIGKILLs whatever is left in the cgroup (without a PID namespace, processes may
  // outlive the init) until it is empty. It does not wait for the init to be reaped: an init
  // only finishes exiting once every process of its PID namespace has been reaped, by whichever
  // process adopted them (`exec -d` processes go to the caller's subreaper, as with runc).
  Cgroup::open(record.cgroup)->destroy();
  fault_point("delete:cgroup-removed");
  root.remove_dir(record.id);
  run_hooks_warning(hooks.poststop, oci_state(record, Status::stopped), "poststop");
}

}  // namespace

// state.json is saved after each step that makes something outside the state directory, so that
// `delete --force` finds it even if this process is SIGKILLed in between (the fault points name
// those moments). Until the first save, a directory without state.json is all there is to remove.
Record create_container(const StateRoot& root, const CreateOptions& options, Spec spec) {
  validate_id(options.id);
  Fd console = open_console_socket(spec.process.terminal, options.console_socket);
  Rollback undo;
  root.make_dir(options.id);
  undo.add([&] { root.remove_dir(options.id); });
  fault_point("create:state-dir-made");
  Record record = first_record(options, spec);
  RootfsPlan rootfs = plan_rootfs(root, options, spec);  // inside the state directory
  record.rootfs = spec.root_path;
  record.layers = rootfs.lower_layers;
  resolve_bind_sources(spec, options.bundle);
  std::optional<SeccompProgram> seccomp;
  if (spec.seccomp) seccomp = seccomp_program(root, *spec.seccomp);  // before the init: not in its cgroup
  auto cgroup = Cgroup::create(cgroup_path_for(spec, options.id));
  undo.add([record = cgroup->record()] { Cgroup::open(record)->destroy(); });
  record.cgroup = cgroup->record();
  root.save(record);
  fault_point("create:state-recorded");
  spec.resources.devices = effective_device_rules(spec);
  cgroup->apply(spec.resources);
  log_debug("cgroup (" + cgroup_layout() + "): " + cgroup->record().dirs.front());
  fault_point("create:cgroup-made");
  InitPlan plan{spec, rootfs, root.fifo_of(options.id), options.no_pivot, options.preserve_fds, console.get(),
                cgroup.get(), std::move(seccomp)};
  check(::mkfifo(plan.fifo.c_str(), 0600), "mkfifo", plan.fifo);
  write_file(root.config_of(options.id), to_text(spec));
  Channel channel;
  record_init(record, clone_init(plan, channel, undo), channel);
  root.save(record);
  fault_point("create:init-cloned");
  run_runtime_hooks(plan, record, channel);
  channel.wait_ready();
  log_debug("init of \"" + options.id + "\" is set up as PID " + std::to_string(record.pid));
  fault_point("create:init-ready");
  if (!options.pid_file.empty()) write_file(options.pid_file, std::to_string(record.pid));
  record.creator = 0;
  record.creator_start_time = 0;
  root.save(record);
  keep_init(channel);
  undo.commit();
  fault_point("create:state-written");
  return record;
}

void start_container(const StateRoot& root, const std::string& id) {
  Record record = root.load(id);
  Fd lock = root.lock(id);
  Status status = root.status(record);
  if (status == Status::creating) throw Error("cannot start a container that is still being created");
  if (status == Status::running) throw Error("cannot start an already running container");
  if (status == Status::stopped) throw Error("cannot start a container that has stopped");
  release_init(root, record, load_spec(root.config_of(id)).hooks);
}

void start_created(const StateRoot& root, const Record& record, const Hooks& hooks) {
  Fd lock = root.lock(record.id);
  release_init(root, record, hooks);
}

nlohmann::ordered_json container_state(const StateRoot& root, const std::string& id) {
  Record record = root.load(id);
  Status status = root.status(record);  // may bring `record` up to date
  return oci_state(record, status);
}

void kill_container(const StateRoot& root, const std::string& id, int signal, bool all) {
  Record record = root.load(id);
  Fd lock = root.lock(id);
  if (all) {
    Cgroup::open(record.cgroup)->signal_all(signal);
    return;
  }
  Status status = root.status(record);
  if (status == Status::stopped || status == Status::creating) {
    throw Error("container \"" + id + "\" is not running");
  }
  check(::kill(record.pid, signal), "kill", std::to_string(record.pid));
}

// A create killed right after making the directory left nothing else: like runc, `delete`
// removes such a directory (and --force says nothing more about it).
bool delete_unrecorded(const StateRoot& root, const std::string& id, bool force) {
  validate_id(id);
  if (!root.is_unrecorded(id)) return false;
  root.remove_dir(id);
  return force;
}

void delete_container(const StateRoot& root, const std::string& id, bool force) {
  if (delete_unrecorded(root, id, force)) return;
  Fd lock = root.lock(id);
  Record record = root.load(id);
  Status status = root.status(record);
  if ((status == Status::running || status == Status::creating) && !force) {
    throw Error("cannot delete container \"" + id + "\" that is not stopped: " + to_string(status));
  }
  remove_container(root, record, load_hooks_if_any(root.config_of(id)));
}

void delete_exited(const StateRoot& root, const Record& record, const Hooks& hooks) {
  Fd lock = root.lock(record.id);
  remove_container(root, record, hooks);
}

std::vector<pid_t> container_pids(const StateRoot& root, const std::string& id) {
  return Cgroup::open(root.load(id).cgroup)->pids();
}

}  // namespace minirun
