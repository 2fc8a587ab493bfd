// Running programs from a test: with a timeout, in their own process group, output captured.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace harness {

using namespace std::chrono_literals;
using Seconds = std::chrono::seconds;

inline constexpr Seconds kDefaultTimeout = 30s;

struct Result {
  std::string out;
  std::string err;
  int status = -1;  // the exit code, or 128+N when killed by signal N (as a shell reports it)
};

// "argv[0] arg1 ..." with each argument quoted when it needs it, for messages.
std::string describe(const std::vector<std::string>& argv);

// A program started in its own process group with pipes on stdin, stdout and stderr.
// Every wait has a deadline; when it passes, the whole group (and every descendant that left it)
// is killed and reaped, and the test fails saying which command hung.
class Child {
 public:
  using Environment = std::map<std::string, std::string>;  // added to (or replacing in) the test's own

  static Child spawn(const std::vector<std::string>& argv, const Environment& environment = {});
  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child();  // kills and reaps a child still running (a test that failed half way)

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& argv() const { return argv_; }

  // Reads stdout until a whole line is there and returns it (without '\n').
  std::string read_line(Seconds timeout = kDefaultTimeout);
  void write_stdin(const std::string& text);
  void close_stdin();
  // Reads stdout and stderr to their end and reaps the child.
  Result wait(Seconds timeout = kDefaultTimeout);

 private:
  explicit Child(std::vector<std::string> argv) : argv_(std::move(argv)) {}
  // Reads whatever is ready; false when the deadline passed first.
  bool pump(std::chrono::steady_clock::time_point deadline, bool until_line);
  [[noreturn]] void time_out(Seconds timeout, const std::string& waiting_for);
  void kill_all();

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::string out_buffer_, err_buffer_;
  size_t out_consumed_ = 0;  // how much of out_buffer_ read_line() has handed out
  std::optional<int> status_;
};

// Runs argv to its end (feeding it `input` on stdin, if given), at most `timeout`.
Result run(const std::vector<std::string>& argv, Seconds timeout = kDefaultTimeout,
           const std::optional<std::string>& input = std::nullopt, const Child::Environment& environment = {});

}  // namespace harness
