// steps/step.hpp: the plumbing every step shares, so that a step's main.cpp holds its idea alone.
//
// Messages on stderr, errors, exit statuses, the command line ([OPTIONS] [--] [COMMAND [ARG...]]),
// running the command and waiting for it, small file helpers. No kernel idea of the steps is in
// here: those are the lessons. The header is frozen (tests/steps checks it): every step includes
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

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
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

inline std::string join(const std::vector<std::string>& parts, const std::string& separator) {
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

}  // namespace step
