// A root file system of its own, made of layers.
//
// overlayfs stacks read-only lower layers (an image) under one writable upper layer and shows
// the union at a "merged" directory. The container chroots into it: every write lands in the
// upper layer, the lower ones are never touched. chroot only changes where "/" resolves, so a
// root process can still climb out of it; step06 closes that hole with pivot_root.
//
// Usage: --rootfs DIR [OPTIONS] [--] [COMMAND [ARG...]]                (COMMAND defaults to /bin/sh)
// Messages, errors, exit statuses and the command line are in ../steps/step.hpp.

#include "step.hpp"

#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>

using namespace step;

namespace {

// The seven namespaces clone() can create, by the names /proc/PID/ns/ uses.
const std::map<std::string, int> kNamespaceFlags = {
    {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},       {"net", CLONE_NEWNET},
    {"mnt", CLONE_NEWNS},  {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP},
};

struct Limits {
  long long memory = 0;  // bytes; 0 = no limit
  long long pids = 0;    // 0 = no limit
  double cpus = 0;       // CPUs' worth of time per period; 0 = no limit
};

struct Options {
  std::vector<std::string> command{"/bin/sh"};
  std::string hostname = kStep;
  int namespaces = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWNS;
  Limits limits;
  std::vector<std::string> rootfs;  // overlay lower layers, the top one first
  std::string upper;                // keeps the container's changes; empty: a temporary one
};

std::string describe(int namespaces) {
  std::vector<std::string> names;
  for (const auto& [name, flag] : kNamespaceFlags) {
    if (namespaces & flag) names.push_back(name);
  }
  return join(names, ",");
}

// Blocks until the parent has finished its side; EOF without the go byte means the parent gave up.
void wait_for_parent(int sync_fd) {
  char go = 0;
  ssize_t n = read(sync_fd, &go, 1);
  close(sync_fd);
  if (n != 1) throw std::runtime_error("the parent gave up before the container could start");
}

// Root inside the user namespace is the invoking user outside. setgroups must be denied
// before an unprivileged process may write gid_map.
void write_id_maps(pid_t child) {
  std::string proc = "/proc/" + std::to_string(child);
  write_file(proc + "/uid_map", "0 " + std::to_string(getuid()) + " 1\n");
  write_file(proc + "/setgroups", "deny");
  write_file(proc + "/gid_map", "0 " + std::to_string(getgid()) + " 1\n");
  say("uid_map/gid_map: root in the container is uid ", getuid(), " gid ", getgid(), " outside");
}

void set_hostname(const std::string& hostname) {
  check(sethostname(hostname.c_str(), hostname.size()), "sethostname " + hostname);
  say("sethostname ", hostname, " (in the new UTS namespace; the host's name is unchanged)");
}

// A new mount namespace shares propagation with the host's: on a systemd machine / is a
// "shared" mount, so anything mounted here would appear on the host too. Making every mount
// private first keeps our mounts in the container and the host's out of it.
void make_mounts_private() {
  check(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "mount / MS_REC|MS_PRIVATE");
  say("mount --make-rprivate /: mounts no longer propagate to or from the host");
}

// A proc mount shows the PID namespace of the process that mounts it: ours.
void mount_proc() {
  check(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), "mount proc on /proc");
  say("mount proc on /proc: ps now sees only the container");
}

enum class CgroupLayout { v1, v2, hybrid };

// What the kernel mounted on /sys/fs/cgroup tells the layout: a cgroup2 file system is pure v2;
// a tmpfs of v1 hierarchies is v1, or hybrid when a cgroup2 tree sits beside them in "unified".
CgroupLayout detect_cgroup_layout() {
  struct statfs fs {};
  check(statfs("/sys/fs/cgroup", &fs), "statfs /sys/fs/cgroup");
  if (fs.f_type == CGROUP2_SUPER_MAGIC) return CgroupLayout::v2;
  if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return CgroupLayout::hybrid;
  return CgroupLayout::v1;
}

const std::map<CgroupLayout, std::string> kLayoutNames = {
    {CgroupLayout::v2, "cgroup v2 (one unified tree)"},
    {CgroupLayout::hybrid, "hybrid (v1 controllers, plus a v2 tree without them): using v1"},
    {CgroupLayout::v1, "cgroup v1 (one tree per controller)"},
};

// The container's cgroup: one directory on v2; on v1 (and hybrid) one in each controller's tree,
// where that controller's limits go. It is removed when the object goes away, however the step ends.
class Cgroup {
 public:
  Cgroup(const std::string& name, const Limits& limits) : name_(name), layout_(detect_cgroup_layout()) {
    say("cgroup layout: ", kLayoutNames.at(layout_));
    try {
      create();
      set_limits(limits);
    } catch (...) {
      remove();
      throw;
    }
  }
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  ~Cgroup() { remove(); }

  void add(pid_t pid) const {
    for (const auto& dir : dirs_) write_file(dir + "/cgroup.procs", std::to_string(pid));
    say("cgroup.procs: PID ", pid, " is in the cgroup before it runs anything");
  }

  // How many times the kernel's OOM killer struck inside this cgroup.
  long oom_kills() const {
    std::istringstream lines(read_file(dir("memory") + (v2() ? "/memory.events" : "/memory.oom_control")));
    std::string key;
    long value = 0;
    while (lines >> key >> value) {
      if (key == "oom_kill") return value;
    }
    return 0;
  }

 private:
  bool v2() const { return layout_ == CgroupLayout::v2; }
  std::string dir(const std::string& controller) const {
    return v2() ? "/sys/fs/cgroup/" + name_ : "/sys/fs/cgroup/" + controller + "/" + name_;
  }

  // v2 first enables the controllers for the root's children, then makes its one directory.
  void create() {
    const std::vector<std::string> controllers = {"memory", "pids", "cpu"};
    std::string available = v2() ? read_file("/sys/fs/cgroup/cgroup.controllers") : "";
    for (const auto& controller : controllers) {
      if (available.find(controller) != std::string::npos) write_file("/sys/fs/cgroup/cgroup.subtree_control", "+" + controller);
    }
    for (const auto& controller : v2() ? std::vector<std::string>{"memory"} : controllers) {
      check(mkdir(dir(controller).c_str(), 0755), "mkdir " + dir(controller));
      dirs_.push_back(dir(controller));
    }
  }

  void set_limits(const Limits& limits) {
    std::string memory = std::to_string(limits.memory), period = std::to_string(kPeriod);
    std::string quota = std::to_string(static_cast<long>(limits.cpus * kPeriod));
    if (limits.memory) {
      set("memory", v2() ? "memory.max" : "memory.limit_in_bytes", memory);
      // No escaping the limit into swap.
      set_if_present("memory", v2() ? "memory.swap.max" : "memory.memsw.limit_in_bytes", v2() ? "0" : memory);
    }
    if (limits.pids) set("pids", "pids.max", std::to_string(limits.pids));
    if (limits.cpus && v2()) set("cpu", "cpu.max", quota + " " + period);
    if (limits.cpus && !v2()) {
      set("cpu", "cpu.cfs_period_us", period);
      set("cpu", "cpu.cfs_quota_us", quota);
    }
  }

  static constexpr long kPeriod = 100000;  // microseconds of CPU time per period

  void set(const std::string& controller, const std::string& file, const std::string& value) const {
    write_file(dir(controller) + "/" + file, value);
    say("cgroup ", dir(controller), ": ", file, "=", value);
  }

  void set_if_present(const std::string& controller, const std::string& file, const std::string& value) const {
    if (access((dir(controller) + "/" + file).c_str(), F_OK) == 0) set(controller, file, value);
  }

  // A cgroup can be removed only once it is empty: kill what the command left behind
  // (possible without a PID namespace), and give the kernel a moment to finish the exits.
  void remove() {
    for (auto dir = dirs_.rbegin(); dir != dirs_.rend(); ++dir) {
      for (int attempt = 0; rmdir(dir->c_str()) == -1 && errno == EBUSY && attempt < 100; ++attempt) {
        std::ifstream procs(*dir + "/cgroup.procs");
        for (pid_t pid; procs >> pid;) kill(pid, SIGKILL);
        usleep(10000);
      }
    }
    if (!dirs_.empty()) say("cgroup removed");
    dirs_.clear();
  }

  std::string name_;
  CgroupLayout layout_;
  std::vector<std::string> dirs_;  // created, removed in reverse order
};

// A cgroup namespace takes the cgroup its creator is in as its root. Made by clone(), that
// would be the host's cgroup; made here, after the parent moved us, it is the container's.
void enter_cgroup_namespace() {
  check(unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)");
  say("unshare(CLONE_NEWCGROUP): the container's cgroup is / in /proc/self/cgroup");
}

// The directories an overlay mount is made of.
struct Layers {
  std::vector<std::string> lower;  // read-only, the top one first
  std::string upper;               // where every write lands
  std::string work;                // overlayfs's scratch space: same file system as upper
  std::string merged;              // the union, the container's root
};

void require_same_file_system(const std::string& upper, const std::string& work) {
  struct stat upper_stat {}, work_stat {};
  check(stat(upper.c_str(), &upper_stat), "stat " + upper);
  check(stat(work.c_str(), &work_stat), "stat " + work);
  if (upper_stat.st_dev != work_stat.st_dev) {
    errno = EXDEV;
    throw StepError("upper " + upper + " and work " + work + " must be on one file system");
  }
}

// The merged mount point and, unless --upper keeps them elsewhere, the upper and work directories
// are made in a scratch directory that goes at the end. The overlay itself is mounted only inside
// the container's mount namespace, so it vanishes with the container.
Layers make_layers(ScratchDir& scratch, const Options& options) {
  const std::string& upper = options.upper;
  Layers layers{options.rootfs, upper, "", scratch.make_dir(scratch.path() + "/merged")};
  if (upper.empty()) layers.upper = scratch.make_dir(scratch.path() + "/upper");
  // overlayfs needs the work directory on the upper layer's file system: put it beside it.
  layers.work = scratch.make_dir(upper.empty() ? scratch.path() + "/work" : upper + ".work");
  require_same_file_system(layers.upper, layers.work);
  say("workspace ", scratch.path(), ": upper ", layers.upper, ", work ", layers.work, ", merged ", layers.merged);
  return layers;
}

void mount_overlay(const Layers& layers) {
  std::string data = "lowerdir=" + join(layers.lower, ":") + ",upperdir=" + layers.upper + ",workdir=" + layers.work;
  if (mount("overlay", layers.merged.c_str(), "overlay", 0, data.c_str()) == -1) {
    std::string hint = errno == ENODEV ? " (is the overlay module loaded? modprobe overlay)" : "";
    throw StepError("mount overlay on " + layers.merged + hint);
  }
  say("mount -t overlay -o ", data, " ", layers.merged);
}

// chroot changes where "/" resolves for this process, nothing more: the old root is still
// mounted and reachable to a root process that chroots again (see `probe escape`).
void change_root(const std::string& new_root) {
  check(chroot(new_root.c_str()), "chroot " + new_root);
  check(chdir("/"), "chdir /");
  say("chroot ", new_root);
}

struct ChildArgs {
  const Options* options;
  const Layers* layers;
  int sync_fd;  // the read end of the pipe to the parent
};

// The child's side of clone(): it starts inside the new namespaces, on its own stack.
int container_main(void* arg) {
  const auto& child = *static_cast<ChildArgs*>(arg);
  const Options& options = *child.options;
  try {
    // If this program dies, its container must not outlive it.
    check(prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    wait_for_parent(child.sync_fd);
    if (options.namespaces & CLONE_NEWCGROUP) enter_cgroup_namespace();
    if (options.namespaces & CLONE_NEWUTS) set_hostname(options.hostname);
    if (options.namespaces & CLONE_NEWNS) {
      make_mounts_private();
      mount_overlay(*child.layers);
      change_root(child.layers->merged);
      mount_proc();
    }
    exec_command(options.command);
  } catch (const std::exception& e) {
    print_error(e.what());
  }
  return kExitStepFailed;
}

pid_t start_container(const Options& options, const Cgroup& cgroup, const Layers& layers) {
  // clone() runs the child on a stack we provide (stacks grow down: pass its top).
  // clone3() would allocate none of this, but glibc has no wrapper for it yet.
  static constexpr size_t kStackSize = 1024 * 1024;
  alignas(16) static char stack[kStackSize];
  int sync[2];
  check(pipe2(sync, O_CLOEXEC), "pipe2");
  ChildArgs args{&options, &layers, sync[0]};
  int clone_flags = options.namespaces & ~CLONE_NEWCGROUP;  // the child makes that one itself
  pid_t child = clone(container_main, stack + kStackSize, clone_flags | SIGCHLD, &args);
  int clone_errno = errno;
  close(sync[0]);
  if (child == -1) {
    close(sync[1]);
    errno = clone_errno;
    throw StepError("clone(" + describe(clone_flags) + ")");
  }
  say("clone(", describe(clone_flags), "): the container is PID ", child, " on the host");
  try {
    if (options.namespaces & CLONE_NEWUSER) write_id_maps(child);
    cgroup.add(child);
  } catch (...) {
    close(sync[1]);  // the child reads EOF and gives up
    waitpid(child, nullptr, 0);
    throw;
  }
  check(write(sync[1], "1", 1), "write to the container's sync pipe");
  close(sync[1]);
  return child;
}

int run(const Options& options) {
  ScratchDir scratch;
  Layers layers = make_layers(scratch, options);
  Cgroup cgroup(kStep + "-" + std::to_string(getpid()), options.limits);
  pid_t child = start_container(options, cgroup, layers);
  int status = wait_for(child);
  if (cgroup.oom_kills() > 0) report("killed by the OOM killer: memory limit ", mebibytes(options.limits.memory));
  return status;
}

CLI::Validator known_namespace() {
  return valid("NS", [](const std::string& name) {
    return kNamespaceFlags.contains(name) ? "" : "unknown namespace '" + name + "' (pid,uts,ipc,net,mnt,user,cgroup)";
  });
}

// overlayfs takes its layers as "lowerdir=A:B,upperdir=C": those two characters cannot be in a path.
CLI::Validator layer_path() {
  return valid("DIR", [](const std::string& path) {
    return path.find_first_of(":,") == std::string::npos ? "" : "'" + path + "': overlayfs cannot take a path with ':' or ','";
  });
}

// The options of the step; CLI11 rejects a bad value before anything is created.
void add_options(CLI::App& app, Options& options) {
  app.add_option("--hostname", options.hostname, "Hostname inside the new UTS namespace")->check(valid_hostname());
  auto set_namespaces = [&options](const std::vector<std::string>& names) {
    options.namespaces = 0;
    for (const auto& name : names) options.namespaces |= kNamespaceFlags.at(name);
  };
  app.add_option_function<std::vector<std::string>>("--ns", set_namespaces, "Namespaces to create (default pid,uts,ipc,net,mnt)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(known_namespace());
  auto set_memory = [&options](const std::string& size) { options.limits.memory = *parse_size(size); };
  app.add_option_function<std::string>("--memory", set_memory, "Memory limit: bytes, or with K, M, G")->check(valid_size());
  app.add_option("--pids", options.limits.pids, "Most processes the container may have")
      ->check(CLI::Range(1LL, 4194304LL));
  app.add_option("--cpus", options.limits.cpus, "CPU time, in CPUs (0.5 = half of one)")->check(CLI::Range(0.01, 1024.0));
  app.add_option("--rootfs", options.rootfs, "A lower layer (repeatable; the first is the top)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingDirectory & layer_path());
  app.add_option("--upper", options.upper, "Keep the container's changes in this existing directory")
      ->check(CLI::ExistingDirectory & layer_path());
}

// What the options mean together; "" when they make sense.
std::string finish_options(const CLI::App& app, Options& options) {
  if (options.rootfs.empty()) return "--rootfs is required";
  if (!(options.namespaces & CLONE_NEWNS)) return "--rootfs needs a new mount namespace (add mnt to --ns)";
  for (auto& layer : options.rootfs) layer = std::filesystem::absolute(layer).lexically_normal();
  if (!options.upper.empty()) options.upper = std::filesystem::absolute(options.upper).lexically_normal();
  if (app.count("--hostname") && !(options.namespaces & CLONE_NEWUTS)) {
    return "--hostname needs a new UTS namespace (add uts to --ns)";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run COMMAND in a container chrooted into a root of layers.", kProgram};
  Options options;
  add_options(app, options);
  if (auto status = parse_command_line(app, argc, argv, options.command)) return *status;
  if (auto problem = finish_options(app, options); !problem.empty()) return usage_error(problem);
  return run_step([&] { return run(options); });
}
