// The command line as engines drive it (conmon for podman, containerd's runc shim): a terminal
// sent over --console-socket, --preserve-fds, `features`, `--version`, JSON logs, --systemd-cgroup.

#include "fixture.hpp"

#include "../harness/leak_guard.hpp"
#include "../harness/session.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

using namespace minirun_tests;
using nlohmann::json;

namespace {

// The engine's side of --console-socket: a listening unix socket, and the terminal received on it.
class ConsoleSocket {
 public:
  explicit ConsoleSocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
  }
  ~ConsoleSocket() {
    if (master_ >= 0) ::close(master_);
    ::close(fd_);
  }
  const std::string& path() const { return path_; }

  // Accepts the runtime's connection and takes the fd it sends (SCM_RIGHTS).
  int receive_master() {
    int connection = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(connection >= 0);
    char name[256] = {};
    iovec data{name, sizeof name - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(connection, &message, MSG_CMSG_CLOEXEC);
    ::close(connection);
    REQUIRE(n > 0);
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    REQUIRE(header != nullptr);
    REQUIRE(header->cmsg_type == SCM_RIGHTS);
    std::memcpy(&master_, CMSG_DATA(header), sizeof master_);
    return master_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  int master_ = -1;
};

// Everything the terminal shows until `expected` appears (or 10 s pass).
std::string read_until(int master, const std::string& expected) {
  std::string text;
  for (int waited = 0; text.find(expected) == std::string::npos && waited < 100; ++waited) {
    pollfd ready{master, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    char chunk[256];
    ssize_t n = ::read(master, chunk, sizeof chunk);
    if (n <= 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

TEST_CASE("process.terminal: the pty's master arrives over --console-socket, the slave is the tty", "[engine-cli][console]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  ConsoleSocket console(f.path("console.sock"));
  json config = f.default_config({"sh", "-c", "tty; read line; echo \"got $line\"; stty size"});
  config["process"]["terminal"] = true;
  config["process"]["consoleSize"] = {{"height", 33}, {"width", 101}};
  f.write_config(config);
  auto created = f.minirun({"create", "--bundle", f.bundle(), "--console-socket", console.path(), "tty"});
  INFO(created.err);
  REQUIRE(created.status == 0);
  int master = console.receive_master();
  REQUIRE(f.minirun({"start", "tty"}).status == 0);
  std::string shown = read_until(master, "/dev/pts/");
  REQUIRE(::write(master, "hello\n", 6) == 6);  // typed at the container's keyboard
  shown += read_until(master, "33 101");
  CHECK_THAT(shown, Catch::Contains("/dev/pts/0"));
  CHECK_THAT(shown, Catch::Contains("got hello"));
  CHECK_THAT(shown, Catch::Contains("33 101"));
  f.wait_for_status("tty", "stopped");
  f.remove("tty");
}

TEST_CASE("exec -t --console-socket gives the exec'd process a terminal of its own", "[engine-cli][console]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.create_and_start("exec-tty", f.default_config({"sleep", "100"}));
  ConsoleSocket console(f.path("exec.sock"));
  auto exec = f.minirun({"exec", "--detach", "--pid-file", f.path("exec.pid"), "-t", "--console-socket",
                         console.path(), "exec-tty", "--", "sh", "-c", "tty; sleep 100"});
  INFO(exec.err);
  REQUIRE(exec.status == 0);
  CHECK_THAT(read_until(console.receive_master(), "/dev/pts/"), Catch::Contains("/dev/pts/0"));
  int pid = std::stoi(*harness::read_file(f.path("exec.pid")));
  f.remove("exec-tty");
  CHECK(gone(pid));
}

TEST_CASE("a terminal without --console-socket, and a socket without a terminal, are refused", "[engine-cli][console]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  json config = f.default_config({"true"});
  config["process"]["terminal"] = true;
  f.write_config(config);
  auto no_socket = f.minirun({"create", "--bundle", f.bundle(), "no-socket"});
  require_one_error_line(no_socket, "create");
  CHECK_THAT(no_socket.err, Catch::Contains("--console-socket"));
  config["process"]["terminal"] = false;
  f.write_config(config);
  auto no_terminal = f.minirun({"create", "--bundle", f.bundle(), "--console-socket", f.path("x.sock"), "no-tty"});
  require_one_error_line(no_terminal, "create");
  CHECK(f.containers().empty());
}

TEST_CASE("preserve-fds: N passes fds 3 .. 3+N-1 to the program, and no others", "[engine-cli]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  harness::write_file(f.path("passed"), "through fd 3\n");
  f.write_config(f.default_config({"sh", "-c", "cat <&3; ls /proc/self/fd | wc -l"}));
  // The shell opens fds 3 and 4 for minirun; only 3 is to reach the container.
  std::string command = "exec 3<\"$1\" 4<\"$1\"; exec \"$2\" --root \"$3\" run --bundle \"$4\" --preserve-fds 1 keep";
  auto result = harness::run({"sh", "-c", command, "sh", f.path("passed"), kMinirun, f.state_root(), f.bundle()});
  INFO(result.err);
  CHECK(result.status == 0);
  // 0, 1, 2, 3 and the one `ls` opens to read /proc/self/fd.
  CHECK(result.out == "through fd 3\n5\n");
}

TEST_CASE("features: the runtime-spec features JSON, true to what is implemented", "[engine-cli]") {
  Fixture f;
  auto result = f.minirun({"features"});
  REQUIRE(result.status == 0);
  json features = json::parse(result.out);
  CHECK(features["ociVersionMin"] == "1.0.0");
  CHECK(features["linux"]["seccomp"]["enabled"] == true);
  CHECK_THAT(features["linux"]["seccomp"]["actions"].dump(), Catch::Contains("SCMP_ACT_ERRNO"));
  CHECK_THAT(features["linux"]["capabilities"].dump(), Catch::Contains("CAP_SYS_ADMIN"));
  CHECK_THAT(features["linux"]["namespaces"].dump(), Catch::Contains("\"user\""));
  CHECK(features["hooks"].size() == 6);
  CHECK(features["linux"]["apparmor"]["enabled"] == false);
  CHECK_THAT(features["mountOptions"].dump(), Catch::Contains("rbind") && Catch::Contains("rshared"));
  std::string resources = features["annotations"]["org.minirun.linux.resources"];
  for (const char* field : {"cpu.cpus", "cpu.mems", "memory.disableOOMKiller", "blockIO", "hugepageLimits", "network.classID"}) {
    CHECK_THAT(resources, Catch::Contains(field));
  }
}

TEST_CASE("version: runc's lines", "[engine-cli]") {
  auto result = harness::run({kMinirun, "--version"});
  REQUIRE(result.status == 0);
  CHECK_THAT(result.out, Catch::Matches("minirun version [0-9.]+\nspec: 1\\.[0-9.]+\nlibseccomp: [0-9.]+\n"));
}

TEST_CASE("systemd-cgroup: the flag is accepted and the log says cgroupfs is used", "[engine-cli]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.write_config(f.default_config({"true"}));
  std::string log = f.path("log.json");
  auto result = f.minirun({"--systemd-cgroup", "--log", log, "--log-format", "json", "run", "--bundle", f.bundle(), "sd"});
  CHECK(result.status == 0);
  auto lines = harness::split_lines(harness::read_file(log).value_or(""));
  REQUIRE(lines.size() == 1);
  json line = json::parse(lines[0]);
  CHECK(line["level"] == "info");
  CHECK_THAT(line["msg"].get<std::string>(), Catch::Contains("cgroupfs"));
  CHECK(line.contains("time"));
}

TEST_CASE("the command line: runc's grammar, as engines write it", "[engine-cli][options]") {
  harness::require_root();
  harness::LeakGuard guard;
  Fixture f;
  f.write_config(f.default_config({"true"}));
  // --name=VALUE, a global option after the verb, -b for --bundle.
  auto equals = harness::run({kMinirun, "run", "--root=" + f.path("state"), "-b", f.bundle(), "eq"});
  INFO(equals.err);
  CHECK(equals.status == 0);
  // After the ID, the command's words are its own, dashes and all; `--` is not needed.
  auto own = f.minirun({"run", "--rootfs", kRootfs, "words", "/bin/echo", "--bundle", "-x"});
  INFO(own.err);
  CHECK(own.status == 0);
  CHECK(own.out == "--bundle -x\n");
  // A word of '-' and a digit is an argument, not an option: kill ID -9 reaches kill's signal check.
  CHECK(f.minirun({"kill", "ghost", "-9"}).err == "minirun: kill: invalid signal \"-9\"\n");
  // A switch takes true or false after '='.
  CHECK(f.minirun({"list", "--quiet=true"}).status == 0);
  CHECK(f.minirun({"list", "--quiet=maybe"}).err == "minirun: list: --quiet: \"maybe\" is not true or false\n");
}

TEST_CASE("the command line: what it cannot read is one line and the verb's status", "[engine-cli][options]") {
  Fixture f;
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{"run", "--bundle"}, "minirun: run: --bundle needs a value (DIR)\n"},
      {{"run", "--bogus", "x"}, "minirun: run: unknown option --bogus\n"},
      {{"state"}, "minirun: state: ID is missing\n"},
      {{"state", "a", "b"}, "minirun: state: unexpected argument \"b\"\n"},
      {{"list", "--format", "xml"}, "minirun: list: --format: \"xml\" is not table or json\n"},
      {{"create", "--preserve-fds", "-1", "x"}, "minirun: create: --preserve-fds: \"-1\" is not a number from 0 to 1048576\n"},
      {{}, "minirun: usage: a command is needed (minirun --help lists them)\n"}};
  for (const auto& [args, message] : refused) {
    auto result = f.minirun(args);
    INFO(harness::describe(args));
    CHECK(result.err == message);
    CHECK(result.out.empty());
    CHECK(result.status == (!args.empty() && args[0] == "run" ? 125 : 1));
  }
}

TEST_CASE("the command line: help lists every verb, and each verb's options", "[engine-cli][options]") {
  auto help = harness::run({kMinirun, "--help"});
  CHECK(help.status == 0);
  for (const char* verb : {"spec", "create", "run", "start", "state", "list", "kill", "delete", "exec", "ps", "features"}) {
    CHECK_THAT(help.out, Catch::Contains(std::string("\n  ") + verb + " "));
  }
  auto run = harness::run({kMinirun, "run", "--help"});
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::StartsWith("usage: minirun run [options] ID [-- COMMAND...]\n"));
  CHECK_THAT(run.out, Catch::Contains("--rootfs DIR") && Catch::Contains("-d, --detach"));
}
