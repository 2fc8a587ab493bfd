// Escape attempts from inside a default container: `minirun run --rootfs DIR`, root inside, with
// nothing added to the default spec. The probe tries each way out and prints one line, "escape
// NAME: refused (ERRNO)" or "escape NAME: DONE"; every attempt must be refused, for the reason the
// errno names. What refuses which (capabilities, seccomp, read-only paths, the devices cgroup, the
// pids limit, the namespaces) is said at each test; two tests take one lock away to show the other
// still holds. The last three attack minirun's own binary on the host, through /proc/PID/exe.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <climits>
#include <iostream>
#include <thread>

using namespace minirun_tests;
using nlohmann::json;

namespace {

std::vector<std::string> breakout(const std::vector<std::string>& attempt) {
  std::vector<std::string> argv = {"/bin/probe", "breakout"};
  argv.insert(argv.end(), attempt.begin(), attempt.end());
  return argv;
}

// `probe breakout ATTEMPT...` as the command of a default `run --rootfs` container.
harness::Result attempt_in_default_container(const Fixture& f, const std::vector<std::string>& attempt) {
  std::vector<std::string> args = {"run", "--rootfs", kRootfs, Fixture::unique("escape"), "--"};
  auto command = breakout(attempt);
  args.insert(args.end(), command.begin(), command.end());
  return f.minirun(args, harness::Seconds(60));
}

// The same attempt in a container made from `config` (a bundle), for the tests that change one default.
harness::Result attempt_in(const Fixture& f, json config, const std::vector<std::string>& attempt) {
  config["process"]["args"] = breakout(attempt);
  return f.run(Fixture::unique("escape"), config);
}

// What the probe said, as a line of the reliability figures (scripts/reliability-report).
void report(const harness::Result& result, const std::string& where) {
  std::cout << "figure: " << where << ": " << result.out << std::flush;
}

// `where` names the container the attempt ran in, for the figures.
void require_refused(const harness::Result& result, const std::string& name, const std::string& errno_name,
                     const std::string& where = "default container") {
  INFO("stdout: " << result.out << "stderr: " << result.err);
  CHECK(result.out == "escape " + name + ": refused (" + errno_name + ")\n");
  CHECK(result.status == 0);
  report(result, where);
}

std::string host_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  REQUIRE(::gethostname(name, sizeof name) == 0);
  return name;
}

// A /sys file whose writing changes the whole machine, among those this kernel has.
std::string host_wide_sys_file() {
  for (const char* path : {"/sys/kernel/uevent_helper", "/sys/kernel/profiling", "/sys/kernel/mm/ksm/run"}) {
    if (harness::path_exists(path)) return path;
  }
  FAIL("none of the /sys files this test writes exists on this kernel");
  return "";
}


// --- the host's minirun binary (final/lib/kernel/sealed_self.hpp) ---------------------------------------

// A throw-away copy of minirun that makes every container of a test and every process put into
// one: if an attack got through, it would overwrite the copy, never the build's binary. (The build's
// binary reads the state and deletes: those verbs put no process into a container, and an
// overwritten copy could not do it any more.)
class MinirunCopy {
 public:
  static constexpr const char* kName = "minirun-attacked";

  explicit MinirunCopy(const Fixture& f) : f_(f), path_(f.path(kName)) {
    auto copied = harness::run({"cp", kMinirun, path_});
    INFO(copied.err);
    REQUIRE(copied.status == 0);
    original_ = harness::read_file(path_).value_or("");
    REQUIRE(!original_.empty());
  }

  // COPY --root STATE ARGS..., its stdout into `log` and its stderr into `log`.err: files, since a
  // container started by `run -d` or `create` keeps them open.
  harness::Result run(const std::vector<std::string>& args, const std::string& log) const {
    return f_.minirun_binary(path_, args, log, harness::Seconds(60));
  }

  // The attack left the copy as it was, and running it on the host still runs minirun.
  void require_intact() const {
    bool unchanged = harness::read_file(path_) == original_;
    CHECK(unchanged);
    auto version = harness::run({path_, "--version"});
    INFO("the copy printed: " << version.out << version.err);
    CHECK_THAT(version.out, Catch::StartsWith("minirun version"));
  }

  const std::string& path() const { return path_; }

 private:
  const Fixture& f_;
  std::string path_, original_;
};

// The first line of `log` that starts with one of `prefixes`, once there; "" after `timeout`.
std::string line_in(const std::string& log, const std::vector<std::string>& prefixes,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    for (const auto& line : harness::split_lines(harness::read_file(log).value_or(""))) {
      for (const auto& prefix : prefixes) {
        if (line.starts_with(prefix)) return line;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return "";
}

// The attacker (`probe breakout exe-overwrite`) runs as the init of a detached container and writes
// to `log`. `provoke` makes minirun put a process into the container, at most `tries` times, until
// the attacker has seen one.
void provoke_until_seen(const std::string& log, const std::function<void()>& provoke, int tries) {
  for (int i = 0; i < tries && line_in(log, {"escape ", "holding "}).empty(); ++i) provoke();
}

// The attacker's verdict, reported as a figure.
std::string attack_verdict(const std::string& log, const std::string& where) {
  std::string verdict = line_in(log, {"escape "}, std::chrono::seconds(40));
  INFO("the attacker printed: " << harness::read_file(log).value_or(""));
  REQUIRE(!verdict.empty());
  std::cout << "figure: " << where << ": " << verdict << '\n' << std::flush;
  return verdict;
}

// The C and C++ runtime of the host copied into a copy of the test rootfs, as most images have
// them: minirun can then run inside the container (as a script's interpreter). A static minirun
// (the default build) needs none.
std::string rootfs_with_host_libraries(const Fixture& f, const std::string& binary) {
  std::string root = f.copy_of_rootfs();
  auto ldd = harness::run({"env", "LC_ALL=C", "ldd", binary});  // its messages in English, whatever the locale
  if (ldd.status == 127) harness::skip("ldd is not installed here: the host's libraries cannot be copied into the rootfs");
  if (ldd.out.find("not a dynamic executable") != std::string::npos ||
      ldd.err.find("not a dynamic executable") != std::string::npos) {
    return root;
  }
  REQUIRE(ldd.status == 0);
  for (const auto& line : harness::split_lines(ldd.out)) {
    auto start = line.find('/');
    if (start == std::string::npos) continue;
    std::string library = line.substr(start, line.find(' ', start) - start);
    auto copied = harness::run({"cp", "-L", "--parents", library, root});
    INFO(copied.err);
    REQUIRE(copied.status == 0);
  }
  return root;
}
}  // namespace

// Seccomp (mount, umount2, pivot_root are denied), and without CAP_SYS_ADMIN also the capability check.
TEST_CASE("escape: mount, umount and a second pivot_root are refused", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  require_refused(attempt_in_default_container(f, {"mount"}), "mount", "EPERM");
  require_refused(attempt_in_default_container(f, {"umount"}), "umount", "EPERM");
  require_refused(attempt_in_default_container(f, {"pivot_root"}), "pivot_root", "EPERM");
  CHECK(f.containers().empty());
}

// Without CAP_SYS_CHROOT the chroot escape of step05 cannot even begin.
TEST_CASE("escape: chroot is refused", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  require_refused(attempt_in_default_container(f, {"chroot"}), "chroot", "EPERM");
}

// Seccomp denies reboot; CAP_SYS_BOOT is gone as well.
TEST_CASE("escape: reboot is refused", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  require_refused(attempt_in_default_container(f, {"reboot"}), "reboot", "EPERM");
}

// Seccomp denies init_module and finit_module; CAP_SYS_MODULE is gone as well.
TEST_CASE("escape: loading a kernel module is refused", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  require_refused(attempt_in_default_container(f, {"init_module"}), "init_module", "EPERM");
  require_refused(attempt_in_default_container(f, {"finit_module"}), "finit_module", "EPERM");
}

// /proc/sys and /proc/sysrq-trigger are readonlyPaths; /sys is mounted read-only.
TEST_CASE("escape: kernel settings in /proc/sys and /sys cannot be written", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  for (std::string path : {"/proc/sys/kernel/hostname", "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger"}) {
    if (!harness::path_exists(path)) continue;  // /proc/sysrq-trigger: a kernel without CONFIG_MAGIC_SYSRQ
    require_refused(attempt_in_default_container(f, {"write", path}), "write " + path, "EROFS");
  }
  std::string sys = host_wide_sys_file();
  require_refused(attempt_in_default_container(f, {"write", sys}), "write " + sys, "EROFS");
}

// The mount namespace and pivot_root: PID 1 inside is the container's init, its root the container's.
TEST_CASE("escape: /proc/1/root leads back into the container, not to the host", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string marker = f.path("host-marker");
  harness::write_file(marker, "only on the host\n");
  REQUIRE(harness::path_exists(marker));
  require_refused(attempt_in_default_container(f, {"proc-root", marker}), "proc-root", "ENOENT");
}

// minirun closes every descriptor but 0, 1 and 2 before the exec, even one the caller left
// inheritable: a directory of the host open across the exec would be a way out.
TEST_CASE("escape: no file descriptor of the host reaches the container", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  int host_dir = ::open("/", O_RDONLY | O_DIRECTORY);  // no O_CLOEXEC: minirun inherits it
  REQUIRE(host_dir != -1);
  auto result = attempt_in_default_container(f, {"fds"});
  ::close(host_dir);
  INFO("stderr: " << result.err);
  CHECK(result.out == "escape fds: refused (only 0 1 2 open)\n");
  CHECK(result.status == 0);
  report(result, "default container");
}

// Seccomp denies ptrace. Without it, the PID namespace would still hide the host's processes:
// PID 1 is the container's own init and a host PID names nothing inside.
TEST_CASE("escape: ptrace of PID 1 or of a host process is refused", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string host_pid = std::to_string(::getpid());
  require_refused(attempt_in_default_container(f, {"ptrace", "1"}), "ptrace 1", "EPERM");
  require_refused(attempt_in_default_container(f, {"ptrace", host_pid}), "ptrace " + host_pid, "EPERM");
  // This test's own PID names nothing inside: the container sees its own processes only.
  std::vector<std::string> args = {"run", "--rootfs", kRootfs, Fixture::unique("escape"), "--", "/bin/probe", "ps"};
  auto visible = f.minirun(args);
  INFO(visible.err);
  REQUIRE(visible.status == 0);
  CHECK(visible.out == "1\n");
}

// CAP_MKNOD is gone; the devices cgroup denies block devices as well (see the last test).
TEST_CASE("escape: a disk's device node cannot be made", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  require_refused(attempt_in_default_container(f, {"mknod"}), "mknod", "EPERM");
}

// CAP_NET_RAW is gone.
TEST_CASE("escape: a raw packet socket is refused", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  require_refused(attempt_in_default_container(f, {"raw-socket"}), "raw-socket", "EPERM");
}

// CAP_SYS_ADMIN is gone; and the UTS namespace would keep a new name inside anyway.
TEST_CASE("escape: the hostname cannot be changed, the host's stays", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string before = host_hostname();
  require_refused(attempt_in_default_container(f, {"sethostname"}), "sethostname", "EPERM");
  CHECK(host_hostname() == before);
}

// Seccomp denies unshare and clone with CLONE_NEWUSER: root of a new user namespace would hold
// every capability there again.
TEST_CASE("escape: a new user namespace is refused", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  require_refused(attempt_in_default_container(f, {"unshare-userns"}), "unshare-userns", "EPERM");
  require_refused(attempt_in_default_container(f, {"clone-userns"}), "clone-userns", "EPERM");
}

// The default pids limit (1024) holds a fork bomb inside its cgroup; the host can still fork.
TEST_CASE("escape: a fork bomb is held by the default pids limit", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  auto result = attempt_in_default_container(f, {"forkbomb"});
  INFO("stdout: " << result.out << "stderr: " << result.err);
  CHECK(result.status == 0);
  REQUIRE_THAT(result.out, Catch::StartsWith("escape forkbomb: refused (EAGAIN) after "));
  int forked = std::stoi(result.out.substr(result.out.rfind("after ") + 6));
  CHECK(forked > 0);
  CHECK(forked < 1024);
  report(result, "default container");
  CHECK(harness::run({"true"}).status == 0);
  CHECK(f.containers().empty());
}

// A process exec'd into the container gets the same capabilities and filter as its init.
TEST_CASE("escape: exec'd processes are refused the same way", "[escape]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  std::string id = Fixture::unique("escape-exec");
  REQUIRE(f.minirun({"run", "-d", "--rootfs", kRootfs, id, "--", "/bin/probe", "sleep", "100"}).status == 0);
  auto exec = [&](const std::vector<std::string>& attempt) {
    std::vector<std::string> args = {"exec", id, "--"};
    auto command = breakout(attempt);
    args.insert(args.end(), command.begin(), command.end());
    return f.minirun(args);
  };
  require_refused(exec({"mount"}), "mount", "EPERM", "exec'd process");
  require_refused(exec({"sethostname"}), "sethostname", "EPERM", "exec'd process");
  require_refused(exec({"raw-socket"}), "raw-socket", "EPERM", "exec'd process");
  f.remove_with_init(id);
}

// Every capability given back: seccomp alone still refuses the calls it denies.
TEST_CASE("escape: with every capability, the default seccomp profile still refuses", "[escape][seccomp]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  config["process"].erase("capabilities");  // none given: root keeps all of its own
  for (const char* name : {"mount", "umount", "pivot_root", "reboot", "init_module", "finit_module", "unshare-userns",
                           "clone-userns"}) {
    require_refused(attempt_in(f, config, {name}), name, "EPERM", "every capability");
  }
  require_refused(attempt_in(f, config, {"ptrace", "1"}), "ptrace 1", "EPERM", "every capability");
  // What the capabilities alone guarded is open now: the filter is not what refused it before.
  auto raw = attempt_in(f, config, {"raw-socket"});
  CHECK(raw.out == "escape raw-socket: DONE\n");
}

// CAP_MKNOD given back: the devices cgroup alone still denies the disk ("deny all", then only
// the nodes of /dev).
TEST_CASE("escape: with CAP_MKNOD, the default device rules still refuse a disk", "[escape][devices]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({});
  for (const char* set : {"bounding", "effective", "permitted"}) config["process"]["capabilities"][set].push_back("CAP_MKNOD");
  require_refused(attempt_in(f, config, {"mknod"}), "mknod", "EPERM", "with CAP_MKNOD");
  // The nodes of /dev stay usable.
  config["process"]["args"] = {"sh", "-c", "echo x > /dev/null && head -c 4 /dev/urandom | wc -c && head -c 4 /dev/zero | wc -c"};
  auto usable = f.run(Fixture::unique("escape-dev"), config);
  INFO(usable.err);
  CHECK(usable.status == 0);
  CHECK(usable.out == "4\n4\n");
}

// The processes minirun puts into a container run minirun's code until they exec the container's
// program. A process of the container that opens such a process's /proc/PID/exe and later reopens
// it for writing would overwrite minirun on the host (the class of CVE-2019-5736). minirun
// re-executes itself from a read-only view of its binary and stays non-dumpable until that exec
// (final/lib/kernel/sealed_self.hpp): the exe link is refused (EACCES), and a process that is minirun again
// after an exec (the interpreter of a script) names a file that cannot be written (EROFS; EPERM
// for the sealed memfd copy, where no overlay can be made).
TEST_CASE("escape: the exe of a process minirun exec's into the container cannot be held", "[escape][exe]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  MinirunCopy copy(f);
  std::string id = Fixture::unique("escape-exe"), log = f.path("attacker.out");
  // The exe-link is refused while the process has more capabilities than the container (until it
  // drops them, just before its exec): the attacker tries again and again for 10 s.
  auto started = copy.run({"run", "-d", "--rootfs", kRootfs, id, "--", "/bin/probe", "breakout", "exe-overwrite",
                           MinirunCopy::kName, "10"}, log);
  INFO(started.err);
  REQUIRE(started.status == 0);
  provoke_until_seen(log, [&] { copy.run({"exec", id, "--", "/bin/true"}, f.path("exec.out")); }, 1000);
  CHECK(attack_verdict(log, "exec'd process") == "escape exe-overwrite: refused (EACCES)");
  copy.require_intact();
  f.remove(id);
}

// `minirun exec ID -- /script`, the script's first line `#!/proc/self/exe`: the kernel runs the
// caller's own binary as the interpreter, and that process is minirun again, dumpable after the exec.
TEST_CASE("escape: a #!/proc/self/exe script exec'd into the container cannot write minirun", "[escape][exe]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  MinirunCopy copy(f);
  std::string root = rootfs_with_host_libraries(f, copy.path());
  harness::write_file(root + "/interpreted", "#!/proc/self/exe\n");
  REQUIRE(::chmod((root + "/interpreted").c_str(), 0755) == 0);
  std::string id = Fixture::unique("escape-interp"), log = f.path("attacker.out");
  auto started = copy.run({"run", "-d", "--rootfs", root, id, "--", "/bin/probe", "breakout", "exe-overwrite",
                           "/proc/self/exe", "20"}, log);
  INFO(started.err);
  REQUIRE(started.status == 0);
  provoke_until_seen(log, [&] { copy.run({"exec", id, "--", "/interpreted"}, f.path("exec.out")); }, 1000);
  std::string verdict = attack_verdict(log, "#!/proc/self/exe interpreter");
  CHECK((verdict == "escape exe-overwrite: refused (EROFS)" || verdict == "escape exe-overwrite: refused (EPERM)"));
  copy.require_intact();
  f.remove(id);
}

// Two containers sharing a PID namespace (a pod): the second sees the init of the first, created
// and waiting for `start`, still running minirun's code. That init still holds every capability, so
// only a container with every capability may open its exe (CAP_SYS_PTRACE also overrides the
// non-dumpable flag): the read-only view is what refuses the write.
TEST_CASE("escape: a created container's init cannot be held from a container sharing its PID namespace",
          "[escape][exe]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  MinirunCopy copy(f);
  std::string created = Fixture::unique("escape-created"), attacker = Fixture::unique("escape-pod");
  f.write_config(f.default_config(kSleep));
  auto create = copy.run({"create", "--bundle", f.bundle(), created}, f.path("create.out"));
  INFO(create.err);
  REQUIRE(create.status == 0);
  json config = f.default_config(breakout({"exe-overwrite", MinirunCopy::kName, "20"}));
  config["process"].erase("capabilities");  // none given: root keeps all of its own
  for (auto& ns : config["linux"]["namespaces"]) {
    if (ns["type"] == "pid") ns["path"] = "/proc/" + std::to_string(f.state(created)["pid"].get<int>()) + "/ns/pid";
  }
  f.write_config(config);
  std::string log = f.path("attacker.out");
  auto started = copy.run({"run", "-d", "--bundle", f.bundle(), attacker}, log);
  INFO(started.err);
  REQUIRE(started.status == 0);
  // Once the attacker holds the init's exe, the init may go on to exec its program: the copy is
  // then executed by no one, and could be written.
  if (line_in(log, {"escape ", "holding "}, std::chrono::seconds(40)).starts_with("holding ")) {
    copy.run({"start", created}, f.path("start.out"));
  }
  std::string verdict = attack_verdict(log, "every capability, shared PID namespace");
  CHECK((verdict == "escape exe-overwrite: refused (EROFS)" || verdict == "escape exe-overwrite: refused (EPERM)"));
  copy.require_intact();
  f.remove(attacker);  // first: the other init's end takes every process of the namespace along
  f.remove_with_init(created);
}
