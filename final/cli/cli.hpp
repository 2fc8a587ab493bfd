// minirun's command line: runc's verbs and flags, one file per verb (cli/<verb>.cpp), each adding
// its verb (cli/options.hpp) and calling the library; no logic of its own. main.cpp holds the
// global options and turns an Error into one line and an exit status.
#pragma once

#include "cli/options.hpp"
#include "runtime/container.hpp"
#include "state/state.hpp"

#include <functional>
#include <string>

namespace minirun::cli {

// What the parsed command line asks for: the verb's action, and the exit status its failures
// get (1; 125 for `run` and `exec`, which return their program's own status, as `docker run` does).
struct Command {
  std::function<int(const StateRoot&)> action;
  int failure_status = 1;
  bool enters_containers = false;  // puts a process of its own into a container: kernel/sealed_self.hpp
};
inline constexpr int kExitError = 1;
inline constexpr int kExitRunError = 125;

// The verbs' actions and statuses, by name: main.cpp looks up the verb the command line named.
using Commands = std::vector<std::pair<std::string, Command>>;

// Adds `name` to `line`; its Command (action, failure status) goes into `commands`. For `create`,
// `run` and `exec`, `enters`: minirun first re-executes itself from a read-only view of its binary,
// before any of its processes enters a container.
Verb& add_verb(CommandLine& line, Commands& commands, const std::string& name, const std::string& description,
               std::function<int(const StateRoot&)> action, int failure_status = kExitError, bool enters = false);

// Writes `text` to stdout.
void print(const std::string& text);

// An option's setter that takes only one of `allowed` ("table or json").
std::function<void(const std::string&)> one_of(std::string& target, std::vector<std::string> allowed);

// The flags `create` and `run` share, and the options they make (create.cpp).
struct CreateArgs {
  std::string id, bundle = ".", pid_file, console_socket;
  bool no_pivot = false, no_new_keyring = false;
  int preserve_fds = 0;
};
void add_create_flags(Verb& verb, CreateArgs& args);
CreateOptions create_options(const CreateArgs& args);

// One per file, in the order `minirun --help` lists them.
void add_spec(CommandLine& line, Commands& commands);
void add_create(CommandLine& line, Commands& commands);
void add_run(CommandLine& line, Commands& commands);
void add_start(CommandLine& line, Commands& commands);
void add_state(CommandLine& line, Commands& commands);
void add_list(CommandLine& line, Commands& commands);
void add_kill(CommandLine& line, Commands& commands);
void add_delete(CommandLine& line, Commands& commands);
void add_exec(CommandLine& line, Commands& commands);
void add_ps(CommandLine& line, Commands& commands);
void add_features(CommandLine& line, Commands& commands);
void add_images(CommandLine& line, Commands& commands);

}  // namespace minirun::cli
