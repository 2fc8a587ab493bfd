// Entering a running container, as `docker exec` and `nsenter` do.
//
// A container is a process's set of namespaces and cgroups; the kernel shows each namespace as a
// file in /proc/PID/ns. `exec` opens them all, joins them with setns(), forks (a PID namespace
// applies to children only), puts the child in the container's cgroups and runs the command.
// `run` is step06, plus --pid-file so that another terminal knows whom to join.
//
// Usage: run --rootfs DIR [OPTIONS] [--pid-file FILE] [--] [COMMAND [ARG...]]
//        exec --pid PID [-q] [--] [COMMAND [ARG...]]                (COMMAND defaults to /bin/sh)
// Messages, errors, exit statuses, the options and the command line are in ../steps/step.hpp.

#include "step.hpp"

#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

using namespace step;

namespace {

// The seven namespaces clone() can create, by the names /proc/PID/ns/ uses.
const std::map<std::string, int> kNamespaceFlags = {
    {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},       {"net", CLONE_NEWNET},
    {"mnt", CLONE_NEWNS},  {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP},
};

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

// What the kernel mounted on /sys/fs/cgroup tells the layout: a cgroup2 file system is pure v2;
// a tmpfs of v1 hierarchies is v1, or hybrid when a cgroup2 tree sits beside them in "unified".
// A hybrid's cgroup2 tree holds no controllers: its limits go to the v1 trees.
bool cgroup_v2() {
  struct statfs fs {};
  check(statfs("/sys/fs/cgroup", &fs), "statfs /sys/fs/cgroup");
  bool v2 = fs.f_type == CGROUP2_SUPER_MAGIC;
  bool hybrid = !v2 && statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
  say("cgroup layout: ", v2       ? "cgroup v2 (one unified tree)"
                         : hybrid ? "hybrid (v1 controllers, plus a v2 tree without them): using v1"
                                  : "cgroup v1 (one tree per controller)");
  return v2;
}

// The container's cgroup: one directory on v2; on v1 (and hybrid) one in each controller's tree,
// where that controller's limits go. It is removed when the object goes away, however the step ends.
class Cgroup {
 public:
  Cgroup(const std::string& name, const Limits& limits) : name_(name), v2_(cgroup_v2()) {
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
  long long oom_kills() const {
    return read_number(dir("memory") + (v2_ ? "/memory.events" : "/memory.oom_control"), "oom_kill");
  }

 private:
  std::string dir(const std::string& controller) const {
    return v2_ ? "/sys/fs/cgroup/" + name_ : "/sys/fs/cgroup/" + controller + "/" + name_;
  }

  // v2 first enables the controllers for the root's children, then makes its one directory.
  void create() {
    const std::vector<std::string> controllers = {"memory", "pids", "cpu"};
    std::string available = v2_ ? read_file("/sys/fs/cgroup/cgroup.controllers") : "";
    for (const auto& controller : controllers) {
      if (available.find(controller) != std::string::npos) write_file("/sys/fs/cgroup/cgroup.subtree_control", "+" + controller);
    }
    for (const auto& controller : v2_ ? std::vector<std::string>{"memory"} : controllers) {
      check(mkdir(dir(controller).c_str(), 0755), "mkdir " + dir(controller));
      dirs_.push_back(dir(controller));
    }
  }

  // CPU time is a quota of microseconds in every period of 100000.
  void set_limits(const Limits& limits) {
    std::string memory = std::to_string(limits.memory), quota = std::to_string(static_cast<long>(limits.cpus * 100000));
    if (limits.memory) set("memory", v2_ ? "memory.max" : "memory.limit_in_bytes", memory);
    // No escaping the limit into swap (v1 has no memsw files when swap is not accounted).
    if (limits.memory) set("memory", v2_ ? "memory.swap.max" : "memory.memsw.limit_in_bytes", v2_ ? "0" : memory, true);
    if (limits.pids) set("pids", "pids.max", std::to_string(limits.pids));
    if (limits.cpus && v2_) set("cpu", "cpu.max", quota + " 100000");
    if (limits.cpus && !v2_) set("cpu", "cpu.cfs_period_us", "100000");
    if (limits.cpus && !v2_) set("cpu", "cpu.cfs_quota_us", quota);
  }

  void set(const std::string& controller, const std::string& file, const std::string& value, bool if_present = false) const {
    std::string path = dir(controller) + "/" + file;
    if (if_present && access(path.c_str(), F_OK) == -1) return;
    write_file(path, value);
    say("cgroup ", dir(controller), ": ", file, "=", value);
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
  bool v2_;
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

// The merged mount point and, unless --upper keeps them elsewhere, the upper and work directories
// are made in a scratch directory that goes at the end. The overlay itself is mounted only inside
// the container's mount namespace, so it vanishes with the container.
Layers make_layers(ScratchDir& scratch, const Options& options) {
  const std::string& upper = options.upper;
  Layers layers{options.rootfs, upper, "", scratch.make_dir(scratch.path() + "/merged")};
  if (upper.empty()) layers.upper = scratch.make_dir(scratch.path() + "/upper");
  // overlayfs needs the work directory on the upper layer's file system: put it beside it.
  layers.work = scratch.make_dir(upper.empty() ? scratch.path() + "/work" : upper + ".work");
  if (stat_of(layers.upper).st_dev != stat_of(layers.work).st_dev) {
    errno = EXDEV;
    throw StepError("upper " + layers.upper + " and work " + layers.work + " must be on one file system");
  }
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

// pivot_root(new_root, put_old) swaps the root mount of this mount namespace. The kernel's
// rules: new_root must be a mount point (the overlay is one), neither it nor the current root
// may have shared propagation (hence MS_PRIVATE first), and put_old must be under new_root.
void pivot_root_into(const std::string& new_root) {
  std::string put_old = new_root + "/.old-root";
  check(mkdir(put_old.c_str(), 0700), "mkdir " + put_old);
  check(syscall(SYS_pivot_root, new_root.c_str(), put_old.c_str()), "pivot_root " + new_root);
  check(chdir("/"), "chdir /");
  // The host's root is now at /.old-root: detach it (lazily: the host still uses it) and
  // remove the mount point, so nothing of the host remains reachable.
  check(umount2("/.old-root", MNT_DETACH), "umount2 /.old-root");
  check(rmdir("/.old-root"), "rmdir /.old-root");
  say("pivot_root ", new_root, ": the host's root is detached");
}

// The fallback for a root that cannot be pivoted (an initramfs is not a mount we may move
// away from): move the overlay on top of / and chroot there. The host's root is still mounted
// underneath, so a process that can chroot can find its way back out.
void move_root_and_chroot(const std::string& new_root) {
  check(chdir(new_root.c_str()), "chdir " + new_root);
  check(mount(new_root.c_str(), "/", nullptr, MS_MOVE, nullptr), "mount --move " + new_root + " /");
  check(chroot("."), "chroot .");
  check(chdir("/"), "chdir /");
  say("mount --move ", new_root, " / and chroot (no pivot_root: the host's root is still underneath)");
}

// sysfs shows the devices of the container's network namespace; read-only keeps
// root in the container from changing the kernel's settings through it.
void mount_sys() {
  make_dir_if_missing("/sys");
  check(mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), "mount sysfs on /sys");
  say("mount sysfs on /sys, read-only");
}

// The harmless character devices every program expects: name, major, minor.
const std::vector<std::tuple<std::string, unsigned, unsigned>> kDevices = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

// A /dev of our own on a tmpfs, holding only those devices, plus a private devpts instance
// for terminals: no disks, no host terminals.
void mount_dev() {
  make_dir_if_missing("/dev");
  check(mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k"), "mount tmpfs on /dev");
  for (const auto& [name, major_number, minor_number] : kDevices) {
    std::string path = "/dev/" + name;
    check(mknod(path.c_str(), S_IFCHR, makedev(major_number, minor_number)), "mknod " + path);
    check(chmod(path.c_str(), 0666), "chmod " + path);
  }
  check(mkdir("/dev/pts", 0755), "mkdir /dev/pts");
  check(mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"),
        "mount devpts on /dev/pts");
  check(symlink("pts/ptmx", "/dev/ptmx"), "symlink /dev/ptmx");
  check(symlink("/proc/self/fd", "/dev/fd"), "symlink /dev/fd");
  say("mount tmpfs on /dev: null zero full random urandom tty, devpts on /dev/pts");
}

// The child's side of clone(): it starts inside the new namespaces, on its own stack.
int container_main(const Options& options, const Layers& layers, Gate& gate) {
  return run_step([&]() -> int {
    // If this program dies, its container must not outlive it.
    check(prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    gate.wait();  // until the parent has put us in the cgroup (and written the id maps)
    if (options.namespaces.contains("cgroup")) enter_cgroup_namespace();
    if (options.namespaces.contains("uts")) set_hostname(options.hostname);
    make_mounts_private();
    mount_overlay(layers);
    if (options.no_pivot) move_root_and_chroot(layers.merged);
    else pivot_root_into(layers.merged);
    mount_proc();
    mount_sys();
    mount_dev();
    exec_command(options.command);
  });
}

pid_t start_container(const Options& options, const Cgroup& cgroup, const Layers& layers) {
  // clone() runs the child on a stack we provide (stacks grow down: pass its top).
  // clone3() would allocate none of this, but glibc has no wrapper for it yet.
  static constexpr size_t kStackSize = 1024 * 1024;
  alignas(16) static char stack[kStackSize];
  Gate gate, started;
  std::set<std::string> cloned = options.namespaces;
  cloned.erase("cgroup");  // the child makes that one itself
  int flags = SIGCHLD;  // the signal the parent gets when the child ends
  for (const auto& name : cloned) flags |= kNamespaceFlags.at(name);
  auto child_main = [&] { return container_main(options, layers, gate); };
  pid_t child = clone(call_child<decltype(child_main)>, stack + kStackSize, flags, &child_main);
  check(child, "clone(" + join(cloned, ",") + ")");
  say("clone(", join(cloned, ","), "): the container is PID ", child, " on the host");
  try {
    if (options.namespaces.contains("user")) write_id_maps(child);
    cgroup.add(child);
  } catch (...) {
    gate.shut();  // the child gives up
    waitpid(child, nullptr, 0);
    throw;
  }
  gate.open();
  // Only once the command has started is the container's root in place for anyone who joins
  // its namespaces: joining the mount namespace earlier would land on the host's root.
  started.wait_for_exec();
  if (!options.pid_file.empty()) {
    replace_file(options.pid_file, std::to_string(child) + "\n");
    say("pid file ", options.pid_file, ": ", child);
  }
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

// Every file is opened before joining anything: once in the container's mount namespace,
// /proc/PID/ns would be looked up in the container's /proc, where PID means something else.
// A namespace we already share is skipped (joining your own user namespace is an error).
// Joining order matters. The user namespace comes first: it decides what we may do in the
// others. The mount namespace comes last: joining it changes our root and working directory.
std::vector<std::pair<std::string, int>> open_namespaces(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid);
  if (access(proc.c_str(), F_OK) == -1) throw StepError("no process " + proc);
  std::vector<std::pair<std::string, int>> files;
  for (const std::string name : {"user", "cgroup", "ipc", "uts", "net", "pid", "mnt"}) {
    std::string path = proc + "/ns/" + name;
    if (stat_of(path).st_ino == stat_of("/proc/self/ns/" + name).st_ino) continue;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    check(fd, "open " + path);
    files.emplace_back(name, fd);
  }
  return files;
}

// setns() of a mount namespace (or a user namespace) is refused to a process with several
// threads: they share one root and working directory. This program has one thread.
void join_namespaces(const std::vector<std::pair<std::string, int>>& files, pid_t pid) {
  for (const auto& [name, fd] : files) {
    check(setns(fd, kNamespaceFlags.at(name)), "setns " + name + " of PID " + std::to_string(pid));
    close(fd);
    say("setns ", name, ": joined the namespace of PID ", pid);
  }
}

// The cgroup.procs files of the container's cgroups that we are not in already, opened now,
// while the host's /sys/fs/cgroup is still what we see. /proc/PID/cgroup has one line per
// hierarchy, "ID:CONTROLLERS:PATH"; v2's single tree has no controllers ("0::PATH").
std::vector<int> open_cgroups_of(pid_t pid) {
  std::string ours = "\n" + read_file("/proc/self/cgroup");
  std::string unified = access("/sys/fs/cgroup/unified", F_OK) == 0 ? "/unified" : "";  // hybrid
  std::istringstream lines(read_file("/proc/" + std::to_string(pid) + "/cgroup"));
  std::vector<int> procs;
  for (std::string line; std::getline(lines, line);) {
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (second == std::string::npos || ours.find("\n" + line + "\n") != std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    if (controllers.starts_with("name=")) controllers.erase(0, 5);
    std::string tree = controllers.empty() ? unified : "/" + controllers;
    std::string file = "/sys/fs/cgroup" + tree + line.substr(second + 1) + "/cgroup.procs";
    procs.push_back(open(file.c_str(), O_WRONLY | O_CLOEXEC));
    check(procs.back(), "open " + file);
  }
  return procs;
}

int exec_in(const Options& options) {
  auto namespaces = open_namespaces(options.pid);
  std::vector<int> cgroups = open_cgroups_of(options.pid);
  join_namespaces(namespaces, options.pid);
  // Joining a PID namespace changes where our children go, not who we are: fork once more.
  pid_t child = fork();
  check(child, "fork");
  if (child == 0) {
    _exit(run_step([&]() -> int {
      check(prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
      // Writing 0 to cgroup.procs moves the writer itself: the child joins before it execs.
      for (int fd : cgroups) check(write(fd, "0", 1), "write cgroup.procs");
      if (!cgroups.empty()) say("cgroup.procs: joined the container's cgroups");
      check(chdir("/"), "chdir /");
      exec_command(options.command);
    }));
  }
  for (int fd : cgroups) close(fd);
  return wait_for(child);
}

}  // namespace

int main(int argc, char** argv) {
  return run_verbs(argc, argv, {
      {"run --rootfs DIR [OPTIONS] [--pid-file FILE] [--] [COMMAND [ARG...]]", "Run COMMAND in a new container.",
       {Option::hostname, Option::ns, Option::limits, Option::layers, Option::no_pivot, Option::pid_file}, run},
      {"exec --pid PID [-q] [--] [COMMAND [ARG...]]", "Run COMMAND inside the running container that --pid belongs to.",
       {Option::pid}, exec_in},
  });
}
