// step06-pivot-root: a real root switch.
//
// pivot_root makes the merged overlay the root of the container's mount namespace and moves
// the host's root to a directory under it, which we then detach: nothing of the host's file
// system is left to climb back to, unlike after a chroot. A root file system also needs the
// kernel's views mounted in it: a fresh /proc, a read-only /sys and a small /dev.
//
//   step06-pivot-root --rootfs DIR [OPTIONS] [--] [COMMAND [ARG...]]   (COMMAND defaults to /bin/sh)

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace {

const char* const kStep = "step06";

// Exit statuses, as a shell and runc report them.
constexpr int kExitStepFailed = 125;
constexpr int kExitCannotRun = 126;
constexpr int kExitNotFound = 127;

bool quiet = false;

// One line on stderr per action, so the reader sees the mechanism at work. The line is written
// whole, so that a parent's and a child's lines never interleave.
template <typename... Parts>
void say(const Parts&... parts) {
  if (quiet) return;
  std::ostringstream line;
  line << '[' << kStep << "] ";
  (line << ... << parts) << '\n';
  std::cerr << line.str();
}

// A failed system call: what was attempted (call and path) plus errno's message.
struct StepError : std::runtime_error {
  explicit StepError(const std::string& what) : std::runtime_error(what + ": " + std::strerror(errno)) {}
};

void check(long result, const std::string& what) {
  if (result == -1) throw StepError(what);
}

void print_error(const std::string& message) {
  std::cerr << kStep << ": " << message << '\n';
}

void write_file(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  check(fd, "open " + path);
  ssize_t written = write(fd, content.data(), content.size());
  int saved_errno = errno;
  close(fd);
  errno = saved_errno;
  if (written != static_cast<ssize_t>(content.size())) throw StepError("write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw StepError("open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

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
  bool no_pivot = false;            // chroot instead of pivot_root, for roots that cannot be pivoted
};

// SIZE: a positive number of bytes, optionally with K, M or G (powers of 1024).
std::optional<long long> parse_size(const std::string& text) {
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || value <= 0) return std::nullopt;
  std::string suffix(end, text.data() + text.size());
  int shift = 0;
  if (suffix == "K" || suffix == "k") shift = 10;
  else if (suffix == "M" || suffix == "m") shift = 20;
  else if (suffix == "G" || suffix == "g") shift = 30;
  else if (!suffix.empty()) return std::nullopt;
  if (value > (std::numeric_limits<long long>::max() >> shift)) return std::nullopt;
  return value << shift;
}

CLI::Validator valid_size() {
  return CLI::Validator(
      [](std::string& text) {
        return parse_size(text) ? "" : "'" + text + "' is not a size (a positive number of bytes, or with K, M or G)";
      },
      "SIZE");
}

CLI::Validator known_namespace() {
  return CLI::Validator(
      [](std::string& name) {
        return kNamespaceFlags.contains(name) ? "" : "unknown namespace '" + name + "' (pid,uts,ipc,net,mnt,user,cgroup)";
      },
      "NS");
}

CLI::Validator valid_hostname() {
  return CLI::Validator(
      [](std::string& name) {
        return name.size() > HOST_NAME_MAX ? "hostname longer than " + std::to_string(HOST_NAME_MAX) + " bytes" : "";
      },
      "NAME");
}

// overlayfs takes its layers as "lowerdir=A:B,upperdir=C": those two characters cannot be in a path.
CLI::Validator layer_path() {
  return CLI::Validator(
      [](std::string& path) {
        return path.find_first_of(":,") == std::string::npos ? "" : "'" + path + "': overlayfs cannot take a path with ':' or ','";
      },
      "DIR");
}

// What follows the options is the command: "--" may come first; any other word that starts
// with '-' is an option we do not know. Returns false (after saying why) on a bad option.
bool take_command(std::vector<std::string> rest, std::vector<std::string>& command) {
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().starts_with('-')) {
    print_error("unknown option " + rest.front() + " (see --help)");
    return false;
  }
  if (!rest.empty()) command = rest;
  return true;
}

// Returns the options, or an exit status when there is nothing to run (--help, bad usage).
std::variant<Options, int> parse_options(int argc, char** argv) {
  CLI::App app{"Run COMMAND in new namespaces made by one clone() call.", "step06-pivot-root"};
  app.footer("COMMAND [ARG...] follows the options (or --) and defaults to /bin/sh.");
  Options options;
  std::vector<std::string> namespaces;
  app.add_flag("-q,--quiet", quiet, "Do not print what the step does");
  app.add_option("--hostname", options.hostname, "Hostname inside the new UTS namespace")->check(valid_hostname());
  app.add_option("--ns", namespaces, "Namespaces to create (default pid,uts,ipc,net,mnt)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(known_namespace());
  std::string memory;
  app.add_option("--memory", memory, "Memory limit: bytes, or with K, M, G")->check(valid_size());
  app.add_option("--pids", options.limits.pids, "Most processes the container may have")
      ->check(CLI::Range(1LL, 4194304LL));
  app.add_option("--cpus", options.limits.cpus, "CPU time, in CPUs (0.5 = half of one)")->check(CLI::Range(0.01, 1024.0));
  app.add_option("--rootfs", options.rootfs, "A lower layer (repeatable; the first is the top)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingDirectory & layer_path());
  app.add_option("--upper", options.upper, "Keep the container's changes in this existing directory")
      ->check(CLI::ExistingDirectory & layer_path());
  app.add_flag("--no-pivot", options.no_pivot, "Move the root and chroot (for an initramfs), instead of pivot_root");
  app.prefix_command();  // everything from the first non-option on is the command
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    return kExitStepFailed;
  }
  if (!take_command(app.remaining(), options.command)) return kExitStepFailed;
  if (options.rootfs.empty()) {  // checked after the command, so that an unknown option is named first
    print_error("--rootfs is required");
    return kExitStepFailed;
  }
  if (!namespaces.empty()) {
    options.namespaces = 0;
    for (const auto& name : namespaces) options.namespaces |= kNamespaceFlags.at(name);
  }
  if (!memory.empty()) options.limits.memory = *parse_size(memory);
  if (!(options.namespaces & CLONE_NEWNS)) {
    print_error("--rootfs needs a new mount namespace (add mnt to --ns)");
    return kExitStepFailed;
  }
  for (auto& layer : options.rootfs) layer = std::filesystem::absolute(layer).lexically_normal();
  if (!options.upper.empty()) options.upper = std::filesystem::absolute(options.upper).lexically_normal();
  if (app.count("--hostname") && !(options.namespaces & CLONE_NEWUTS)) {
    print_error("--hostname needs a new UTS namespace (add uts to --ns)");
    return kExitStepFailed;
  }
  return options;
}

// Runs in the child: becomes COMMAND, or exits 126/127 as a shell would.
[[noreturn]] void exec_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  say("exec ", command[0], " as PID ", getpid(), " (its PID inside the new namespace)");
  execvp(argv[0], argv.data());
  int code = errno == ENOENT ? kExitNotFound : kExitCannotRun;
  print_error("execvp " + command[0] + ": " + std::strerror(errno));
  _exit(code);
}

// Blocks until the parent has finished its side; EOF without the go byte means the parent gave up.
void wait_for_parent(int sync_fd) {
  char go = 0;
  ssize_t n = read(sync_fd, &go, 1);
  close(sync_fd);
  if (n != 1) throw std::runtime_error("the parent gave up before the container could start");
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

std::string describe(CgroupLayout layout) {
  switch (layout) {
    case CgroupLayout::v2: return "cgroup v2 (one unified tree)";
    case CgroupLayout::hybrid: return "hybrid (v1 controllers, plus a v2 tree without them): using v1";
    case CgroupLayout::v1: return "cgroup v1 (one tree per controller)";
  }
  return "";
}

// The container's cgroup: one directory on v2, one per controller tree on v1 and hybrid.
// It is removed when the object goes away, however the step ends.
class Cgroup {
 public:
  Cgroup(const std::string& name, const Limits& limits) : layout_(detect_cgroup_layout()) {
    say("cgroup layout: ", describe(layout_));
    try {
      if (layout_ == CgroupLayout::v2) create_v2(name, limits);
      else create_v1(name, limits);
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
    std::string events = layout_ == CgroupLayout::v2 ? "/memory.events" : "/memory.oom_control";
    std::istringstream lines(read_file(memory_dir_ + events));
    std::string key;
    long value = 0;
    while (lines >> key >> value) {
      if (key == "oom_kill") return value;
    }
    return 0;
  }

 private:
  // v2: one directory, after the controllers are enabled for the parent's children.
  void create_v2(const std::string& name, const Limits& limits) {
    const std::string root = "/sys/fs/cgroup";
    std::string available = read_file(root + "/cgroup.controllers");
    for (const char* controller : {"memory", "pids", "cpu"}) {
      if (available.find(controller) != std::string::npos) {
        write_file(root + "/cgroup.subtree_control", std::string("+") + controller);
      }
    }
    std::string dir = make_dir(root + "/" + name);
    memory_dir_ = dir;
    if (limits.memory) {
      set(dir, "memory.max", std::to_string(limits.memory));
      set_if_present(dir, "memory.swap.max", "0");  // no escaping the limit into swap
    }
    if (limits.pids) set(dir, "pids.max", std::to_string(limits.pids));
    if (limits.cpus) set(dir, "cpu.max", std::to_string(quota(limits.cpus)) + " " + std::to_string(kPeriod));
  }

  // v1 (and hybrid): the same limits, each in the tree of its own controller.
  void create_v1(const std::string& name, const Limits& limits) {
    std::string memory = make_dir("/sys/fs/cgroup/memory/" + name);
    memory_dir_ = memory;
    if (limits.memory) {
      set(memory, "memory.limit_in_bytes", std::to_string(limits.memory));
      set_if_present(memory, "memory.memsw.limit_in_bytes", std::to_string(limits.memory));
    }
    std::string pids = make_dir("/sys/fs/cgroup/pids/" + name);
    if (limits.pids) set(pids, "pids.max", std::to_string(limits.pids));
    std::string cpu = make_dir("/sys/fs/cgroup/cpu/" + name);
    if (limits.cpus) {
      set(cpu, "cpu.cfs_period_us", std::to_string(kPeriod));
      set(cpu, "cpu.cfs_quota_us", std::to_string(quota(limits.cpus)));
    }
  }

  static constexpr long kPeriod = 100000;  // microseconds
  static long quota(double cpus) { return static_cast<long>(cpus * kPeriod); }

  std::string make_dir(const std::string& dir) {
    check(mkdir(dir.c_str(), 0755), "mkdir " + dir);
    dirs_.push_back(dir);
    return dir;
  }

  static void set(const std::string& dir, const std::string& file, const std::string& value) {
    write_file(dir + "/" + file, value);
    say("cgroup ", dir, ": ", file, "=", value);
  }

  static void set_if_present(const std::string& dir, const std::string& file, const std::string& value) {
    if (access((dir + "/" + file).c_str(), F_OK) == 0) set(dir, file, value);
  }

  // A cgroup can be removed only once it is empty: kill what the command left behind
  // (possible without a PID namespace), and give the kernel a moment to finish the exits.
  void remove() {
    for (auto dir = dirs_.rbegin(); dir != dirs_.rend(); ++dir) {
      for (int attempt = 0; rmdir(dir->c_str()) == -1 && errno == EBUSY && attempt < 100; ++attempt) {
        kill_processes_in(*dir);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (!dirs_.empty()) say("cgroup removed");
    dirs_.clear();
  }

  static void kill_processes_in(const std::string& dir) {
    std::ifstream procs(dir + "/cgroup.procs");
    for (pid_t pid; procs >> pid;) kill(pid, SIGKILL);
  }

  CgroupLayout layout_;
  std::vector<std::string> dirs_;  // created, removed in reverse order
  std::string memory_dir_;
};

// The directories an overlay mount is made of.
struct Layers {
  std::vector<std::string> lower;  // read-only, the top one first
  std::string upper;               // where every write lands
  std::string work;                // overlayfs's scratch space: same file system as upper
  std::string merged;              // the union, the container's root
};

// Where the container's root is put together: a temporary directory holding the merged mount
// point and, unless --upper keeps them elsewhere, the upper and work directories. All of it
// is removed at the end. The overlay itself is mounted only inside the container's mount
// namespace, so it vanishes with the container.
class Workspace {
 public:
  Workspace(const std::vector<std::string>& rootfs, const std::string& upper) {
    char path[] = "/tmp/step06-XXXXXX";
    if (mkdtemp(path) == nullptr) throw StepError("mkdtemp /tmp/step06-XXXXXX");
    dir_ = path;
    try {
      layers_.lower = rootfs;
      layers_.merged = make_dir(dir_ + "/merged");
      layers_.upper = upper.empty() ? make_dir(dir_ + "/upper") : upper;
      // overlayfs needs the work directory on the upper layer's file system: put it beside it.
      layers_.work = make_dir(upper.empty() ? dir_ + "/work" : upper + ".work");
      require_same_file_system(layers_.upper, layers_.work);
    } catch (...) {
      remove();
      throw;
    }
    say("workspace ", dir_, ": upper ", layers_.upper, ", work ", layers_.work, ", merged ", layers_.merged);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() { remove(); }

  const Layers& layers() const { return layers_; }

 private:
  std::string make_dir(const std::string& dir) {
    check(mkdir(dir.c_str(), 0755), "mkdir " + dir);
    created_.push_back(dir);
    return dir;
  }

  static void require_same_file_system(const std::string& upper, const std::string& work) {
    struct stat upper_stat {}, work_stat {};
    check(stat(upper.c_str(), &upper_stat), "stat " + upper);
    check(stat(work.c_str(), &work_stat), "stat " + work);
    if (upper_stat.st_dev != work_stat.st_dev) {
      errno = EXDEV;
      throw StepError("upper " + upper + " and work " + work + " must be on one file system");
    }
  }

  // Only what this object created goes, newest first; the temporary directory last.
  void remove() {
    std::error_code ignored;
    for (auto dir = created_.rbegin(); dir != created_.rend(); ++dir) std::filesystem::remove_all(*dir, ignored);
    created_.clear();
    if (!dir_.empty()) rmdir(dir_.c_str());
    dir_.clear();
  }

  std::string dir_;
  std::vector<std::string> created_;
  Layers layers_;
};

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : separator) + part;
  return joined;
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

void make_dir_if_missing(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) == -1 && errno != EEXIST) throw StepError("mkdir " + dir);
}

// sysfs shows the devices of the container's network namespace; read-only keeps
// root in the container from changing the kernel's settings through it.
void mount_sys() {
  make_dir_if_missing("/sys");
  check(mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), "mount sysfs on /sys");
  say("mount sysfs on /sys, read-only");
}

void make_device(const std::string& path, unsigned major_number, unsigned minor_number) {
  check(mknod(path.c_str(), S_IFCHR, makedev(major_number, minor_number)), "mknod " + path);
  check(chmod(path.c_str(), 0666), "chmod " + path);
}

// A /dev of our own on a tmpfs, holding only the harmless devices every program expects,
// plus a private devpts instance for terminals: no disks, no host terminals.
void mount_dev() {
  make_dir_if_missing("/dev");
  check(mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k"), "mount tmpfs on /dev");
  make_device("/dev/null", 1, 3);
  make_device("/dev/zero", 1, 5);
  make_device("/dev/full", 1, 7);
  make_device("/dev/random", 1, 8);
  make_device("/dev/urandom", 1, 9);
  make_device("/dev/tty", 5, 0);
  check(mkdir("/dev/pts", 0755), "mkdir /dev/pts");
  check(mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"),
        "mount devpts on /dev/pts");
  check(symlink("pts/ptmx", "/dev/ptmx"), "symlink /dev/ptmx");
  check(symlink("/proc/self/fd", "/dev/fd"), "symlink /dev/fd");
  say("mount tmpfs on /dev: null zero full random urandom tty, devpts on /dev/pts");
}

// A cgroup namespace takes the cgroup its creator is in as its root. Made by clone(), that
// would be the host's cgroup; made here, after the parent moved us, it is the container's.
void enter_cgroup_namespace() {
  check(unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)");
  say("unshare(CLONE_NEWCGROUP): the container's cgroup is / in /proc/self/cgroup");
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
      if (options.no_pivot) move_root_and_chroot(child.layers->merged);
      else pivot_root_into(child.layers->merged);
      mount_proc();
      mount_sys();
      mount_dev();
    }
    exec_command(options.command);
  } catch (const std::exception& e) {
    print_error(e.what());
  }
  return kExitStepFailed;
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

std::string describe(int namespaces) {
  std::string names;
  for (const auto& [name, flag] : kNamespaceFlags) {
    if (namespaces & flag) names += (names.empty() ? "" : ",") + name;
  }
  return names;
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

// The container's exit status, the way a shell reports it: N, or 128+N when killed by signal N.
int wait_for(pid_t child) {
  int status = 0;
  while (waitpid(child, &status, 0) == -1) {
    if (errno != EINTR) throw StepError("waitpid");
  }
  if (WIFSIGNALED(status)) {
    say("container killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
    return 128 + WTERMSIG(status);
  }
  say("container exited with status ", WEXITSTATUS(status));
  return WEXITSTATUS(status);
}

std::string mebibytes(long long bytes) {
  std::ostringstream text;
  text << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  return text.str();
}

int run(const Options& options) {
  Workspace workspace(options.rootfs, options.upper);
  Cgroup cgroup(std::string(kStep) + "-" + std::to_string(getpid()), options.limits);
  pid_t child = start_container(options, cgroup, workspace.layers());
  // Ctrl-C at the terminal reaches the container too; let it decide, and keep waiting for it.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  int status = wait_for(child);
  if (cgroup.oom_kills() > 0) {
    // A result, not a progress line: printed even with --quiet.
    std::cerr << '[' << kStep << "] killed by the OOM killer: memory limit " << mebibytes(options.limits.memory) << '\n';
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (auto* status = std::get_if<int>(&parsed)) return *status;
  try {
    return run(std::get<Options>(parsed));
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitStepFailed;
  }
}
