// steps/step.hpp: the plumbing every step shares, so that a step's main.cpp holds its idea alone.
//
// Messages on stderr, errors, exit statuses, the command line ([OPTIONS] [--] [COMMAND [ARG...]])
// with every step's options, running the command and waiting for it, the pipe on which a child
// waits for its parent, small file helpers. No kernel idea of the steps is in here: those are
// the lessons. The header is frozen (tests/steps checks it): every step includes
// this same file, so `diff -u stepNN/main.cpp stepMM/main.cpp` shows everything that changed.
//
// The step's name comes from one place, the name of its directory: cmake/Step.cmake defines
// STEP_PROGRAM (step04-cgroups), and scripts/flatten-step writes it into the flattened file.

#pragma once

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#ifndef STEP_PROGRAM
#error "STEP_PROGRAM, the step's directory name (step04-cgroups), comes from cmake/Step.cmake"
#endif

namespace step {

inline const std::string kProgram = STEP_PROGRAM;                         // step04-cgroups
inline const std::string kStep = kProgram.substr(0, kProgram.find('-'));  // step04

// Exit statuses, as a shell and runc report them.
constexpr int kExitStepFailed = 125;
constexpr int kExitCannotRun = 126;
constexpr int kExitNotFound = 127;

inline bool quiet = false;  // -q: no progress lines

// A result the reader must see: one line on stderr, "[step04] ...", even with -q. The line is
// written whole, so that a parent's and a child's lines never interleave.
template <typename... Parts>
void report(const Parts&... parts) {
  std::ostringstream line;
  line << '[' << kStep << "] ";
  (line << ... << parts) << '\n';
  std::cerr << line.str();
}

// One line per action, so the reader sees the mechanism at work; -q silences it.
template <typename... Parts>
void say(const Parts&... parts) {
  if (!quiet) report(parts...);
}

// A failed system call: what was attempted (call and path) plus errno's message.
struct StepError : std::runtime_error {
  explicit StepError(const std::string& what) : std::runtime_error(what + ": " + std::strerror(errno)) {}
};

inline void check(long result, const std::string& what) {
  if (result == -1) throw StepError(what);
}

inline void print_error(const std::string& message) { std::cerr << kStep << ": " << message << '\n'; }

// A usage error found after parsing: one line, and the step's own failure status.
inline int usage_error(const std::string& message) {
  print_error(message);
  return kExitStepFailed;
}

inline void write_file(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  check(fd, "open " + path);
  ssize_t written = write(fd, content.data(), content.size());
  int saved_errno = errno;
  close(fd);
  errno = saved_errno;
  if (written != static_cast<ssize_t>(content.size())) throw StepError("write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw StepError("open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline struct stat stat_of(const std::string& path) {
  struct stat st {};
  check(stat(path.c_str(), &st), "stat " + path);
  return st;
}

// The number after KEY in a file of "KEY NUMBER" lines; 0 when KEY is not there.
inline long long read_number(const std::string& path, const std::string& key) {
  std::istringstream lines(read_file(path));
  std::string name;
  long long value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

// Written whole under another name, then renamed: a reader never sees half a file.
inline void replace_file(const std::string& path, const std::string& content) {
  std::string partial = path + ".partial";
  {
    std::ofstream out(partial);
    out << content;
    if (!out.flush()) throw StepError("write " + partial);
  }
  check(rename(partial.c_str(), path.c_str()), "rename " + partial + " to " + path);
}

inline void make_dir_if_missing(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) == -1 && errno != EEXIST) throw StepError("mkdir " + dir);
}

template <typename Strings>
std::string join(const Strings& parts, const std::string& separator) {
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : separator) + part;
  return joined;
}

inline std::string mebibytes(long long bytes) {
  std::ostringstream text;
  text << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  return text.str();
}

// A scratch directory, /tmp/step05-XXXXXX. It goes when the object does, however the step ends,
// with every directory made through make_dir() (inside it or not), newest first.
class ScratchDir {
 public:
  ScratchDir() {
    std::string name = "/tmp/" + kStep + "-XXXXXX";
    if (mkdtemp(name.data()) == nullptr) throw StepError("mkdtemp " + name);
    path_ = name;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    for (auto dir = made_.rbegin(); dir != made_.rend(); ++dir) std::filesystem::remove_all(*dir, ignored);
    rmdir(path_.c_str());
  }

  const std::string& path() const { return path_; }

  std::string make_dir(const std::string& dir) {
    check(mkdir(dir.c_str(), 0755), "mkdir " + dir);
    made_.push_back(dir);
    return dir;
  }

 private:
  std::string path_;
  std::vector<std::string> made_;
};

// A pipe on which a child waits until its parent has done its part of the setup. When the parent
// gives up instead (shut() without open()), the child's wait fails. Made before the child, so
// that both have it; the child closes its copy of the write end first, or it would wait forever.
class Gate {
 public:
  Gate() { check(pipe2(fds_, O_CLOEXEC), "pipe2"); }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  ~Gate() { close_both(); }

  void wait() {  // in the child
    close_end(1);
    char go = 0;
    ssize_t n = read(fds_[0], &go, 1);
    close_end(0);
    if (n != 1) throw std::runtime_error("the parent gave up before the container could start");
  }
  void open() {  // in the parent: the child goes on
    check(write(fds_[1], "1", 1), "write to the container's sync pipe");
    close_both();
  }
  void shut() { close_both(); }  // in the parent: the child gives up

  // In the parent, for a gate the child never waits at: the child's copy of the write end
  // closes when it runs its command (close-on-exec) or dies, and only then does this return.
  void wait_for_exec() {
    close_end(1);
    for (char byte = 0; read(fds_[0], &byte, 1) == -1 && errno == EINTR;) {
    }
    close_end(0);
  }

 private:
  void close_end(int end) {
    if (fds_[end] != -1) close(fds_[end]);
    fds_[end] = -1;
  }
  void close_both() {
    close_end(0);
    close_end(1);
  }
  int fds_[2] = {-1, -1};
};

// A system call that starts a child with a plain function and one pointer calls any lambda
// through these two: &call_child<decltype(lambda)>, &lambda.
template <typename Child>
int call_child(void* child) {
  return (*static_cast<Child*>(child))();
}

// Runs in the child: becomes COMMAND, or exits 126/127 as a shell would.
[[noreturn]] inline void exec_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  say("exec ", command[0], " as PID ", getpid(), " (its PID inside the new namespace)");
  execvp(argv[0], argv.data());
  int code = errno == ENOENT ? kExitNotFound : kExitCannotRun;
  print_error("execvp " + command[0] + ": " + std::strerror(errno));
  _exit(code);
}

// The container's exit status, the way a shell reports it: N, or 128+N when killed by signal N.
// Ctrl-C at the terminal reaches the container too: the container decides, and we keep waiting.
inline int wait_for(pid_t child) {
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
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

// SIZE: a positive number of bytes, optionally with K, M or G (powers of 1024).
inline std::optional<long long> parse_size(const std::string& text) {
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

inline CLI::Validator valid_size() {
  return CLI::Validator(
      [](std::string& text) {
        return parse_size(text) ? "" : "'" + text + "' is not a size (a positive number of bytes, or with K, M or G)";
      },
      "SIZE");
}

inline CLI::Validator valid_hostname() {
  return CLI::Validator(
      [](std::string& name) {
        return name.size() > HOST_NAME_MAX ? "hostname longer than " + std::to_string(HOST_NAME_MAX) + " bytes" : "";
      },
      "NAME");
}

// A word that CLI11 takes as a value, checked by a function that returns what is wrong with it ("" if nothing).
inline CLI::Validator valid(const std::string& name, std::function<std::string(const std::string&)> problem) {
  return CLI::Validator([problem](std::string& value) { return problem(value); }, name);
}

// What follows the options is the command: "--" may come first; any other word that starts
// with '-' is an option we do not know. Returns false (after saying why) on a bad option.
inline bool take_command(std::vector<std::string> rest, std::vector<std::string>& command) {
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().starts_with('-')) {
    print_error("unknown option " + rest.front() + " (see --help)");
    return false;
  }
  if (!rest.empty()) command = rest;
  return true;
}

// The command line every step shares: the step's own options (already added to `app`), -q,
// then the command. Returns an exit status when there is nothing to run (--help, bad usage).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv, std::vector<std::string>& command) {
  app.footer("COMMAND [ARG...] follows the options (or --) and defaults to /bin/sh.");
  app.add_flag("-q,--quiet", quiet, "Do not print what the step does");
  app.prefix_command();  // everything from the first non-option on is the command
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    return kExitStepFailed;
  }
  if (!take_command(app.remaining(), command)) return kExitStepFailed;
  return std::nullopt;
}

// The options of all the steps. Each comes with the step whose idea it is, and later steps keep it;
// a step names the ones it takes.
enum class Option { hostname, ns, limits, layers, no_pivot, pid_file, pid };

struct Limits {
  long long memory = 0;  // --memory, bytes; 0 = no limit
  long long pids = 0;    // --pids; 0 = no limit
  double cpus = 0;       // --cpus, CPUs' worth of time per period; 0 = no limit
};

struct Options {
  std::vector<std::string> command{"/bin/sh"};
  std::string hostname = kStep;                                         // --hostname
  std::set<std::string> namespaces{"ipc", "mnt", "net", "pid", "uts"};  // --ns, by the names of /proc/PID/ns
  Limits limits;
  std::vector<std::string> rootfs;  // --rootfs: the lower layers, the top one first
  std::string upper;                // --upper: keeps the container's changes; empty: a temporary one
  bool no_pivot = false;            // --no-pivot
  std::string pid_file;             // --pid-file: where run writes the container's PID
  pid_t pid = 0;                    // --pid: a process of the container that exec joins
};

inline const std::vector<std::string> kNamespaceNames = {"pid", "uts", "ipc", "net", "mnt", "user", "cgroup"};

// A layer is given to the kernel as "lowerdir=A:B,upperdir=C": those two characters cannot be in a path.
inline CLI::Validator layer_path() {
  return valid("DIR", [](const std::string& path) {
    return path.find_first_of(":,") == std::string::npos ? "" : "'" + path + "': overlayfs cannot take a path with ':' or ','";
  });
}

inline void add_options(CLI::App& app, Options& options, const std::set<Option>& taken) {
  if (taken.contains(Option::hostname)) {
    app.add_option("--hostname", options.hostname, "Hostname inside the new UTS namespace")->check(valid_hostname());
  }
  if (taken.contains(Option::ns)) {
    auto known = valid("NS", [](const std::string& name) {
      if (std::ranges::find(kNamespaceNames, name) != kNamespaceNames.end()) return std::string();
      return "unknown namespace '" + name + "' (" + join(kNamespaceNames, ",") + ")";
    });
    auto set = [&options](const std::vector<std::string>& names) { options.namespaces = {names.begin(), names.end()}; };
    app.add_option_function<std::vector<std::string>>("--ns", set, "Namespaces to create (default pid,uts,ipc,net,mnt)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->check(known);
  }
  if (taken.contains(Option::limits)) {
    auto set_memory = [&options](const std::string& size) { options.limits.memory = *parse_size(size); };
    app.add_option_function<std::string>("--memory", set_memory, "Memory limit: bytes, or with K, M, G")->check(valid_size());
    app.add_option("--pids", options.limits.pids, "Most processes the container may have")->check(CLI::Range(1LL, 4194304LL));
    app.add_option("--cpus", options.limits.cpus, "CPU time, in CPUs (0.5 = half of one)")->check(CLI::Range(0.01, 1024.0));
  }
  if (taken.contains(Option::layers)) {
    app.add_option("--rootfs", options.rootfs, "A lower layer (repeatable; the first is the top)")
        ->allow_extra_args(false)
        ->check(CLI::ExistingDirectory & layer_path());
    app.add_option("--upper", options.upper, "Keep the container's changes in this existing directory")
        ->check(CLI::ExistingDirectory & layer_path());
  }
  if (taken.contains(Option::no_pivot)) {
    app.add_flag("--no-pivot", options.no_pivot, "Move the root and chroot (for an initramfs), instead of pivot_root");
  }
  if (taken.contains(Option::pid_file)) {
    app.add_option("--pid-file", options.pid_file, "Write the container's PID (on the host) to FILE");
  }
  if (taken.contains(Option::pid)) {
    app.add_option("--pid", options.pid, "PID of a process in the container (see run --pid-file)")
        ->required()
        ->check(CLI::Range(1, std::numeric_limits<pid_t>::max()));
  }
}

// What the options mean together; "" when they make sense.
inline std::string finish_options(const CLI::App& app, Options& options, const std::set<Option>& taken) {
  if (taken.contains(Option::layers)) {
    if (options.rootfs.empty()) return "--rootfs is required";
    if (!options.namespaces.contains("mnt")) return "--rootfs needs a new mount namespace (add mnt to --ns)";
    for (auto& layer : options.rootfs) layer = std::filesystem::absolute(layer).lexically_normal();
    if (!options.upper.empty()) options.upper = std::filesystem::absolute(options.upper).lexically_normal();
  }
  if (taken.contains(Option::hostname) && app.count("--hostname") && !options.namespaces.contains("uts")) {
    return "--hostname needs a new UTS namespace (add uts to --ns)";
  }
  return "";
}

// The step's command line: the options it takes, -q, then the command. Returns an exit status when
// there is nothing to run (--help, or a bad command line, said in one line).
inline std::optional<int> parse_options(CLI::App& app, int argc, char** argv, Options& options, const std::set<Option>& taken) {
  add_options(app, options, taken);
  if (auto status = parse_command_line(app, argc, argv, options.command)) return status;
  if (auto problem = finish_options(app, options, taken); !problem.empty()) return usage_error(problem);
  return std::nullopt;
}

// Runs the step; whatever fails is one line on stderr and the status 125.
template <typename Run>
int run_step(Run&& run) {
  try {
    return run();
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitStepFailed;
  }
}

// main() of a step: parses the options it takes and the command, then runs it.
inline int run_step(int argc, char** argv, const std::string& about, const std::set<Option>& taken,
                    const std::function<int(const Options&)>& run, const std::string& name = kProgram) {
  CLI::App app{about, name};
  Options options;
  if (auto status = parse_options(app, argc, argv, options, taken)) return *status;
  return run_step([&] { return run(options); });
}

// One verb of a step made of verbs ("run ...", "exec ..."): its usage line, its options, its work.
struct Verb {
  std::string usage;
  std::string about;
  std::set<Option> taken;
  std::function<int(const Options&)> run;
};

// main() of a step made of verbs. For a word that is no verb: the usage on --help, else one line.
inline int run_verbs(int argc, char** argv, const std::vector<Verb>& verbs) {
  std::string word = argc > 1 ? argv[1] : "", expected = "expected ";
  for (const auto& verb : verbs) {
    std::string name = verb.usage.substr(0, verb.usage.find(' '));
    if (word == name) return run_step(argc - 1, argv + 1, verb.about, verb.taken, verb.run, kProgram + " " + name);
    expected += (&verb == &verbs.front() ? "" : " or ") + name;
  }
  if (word != "-h" && word != "--help") {
    return usage_error(word.empty() ? expected + " (see --help)" : "unknown command '" + word + "': " + expected);
  }
  for (const auto& verb : verbs) {
    std::cout << (&verb == &verbs.front() ? "Usage: " : "       ") << kProgram << ' ' << verb.usage << '\n';
  }
  std::cout << "Run '" << kProgram << " VERB --help' for the options of each.\n";
  return 0;
}

}  // namespace step
