// minirun's command line: runc's verbs and flags, one file per verb (cli/<verb>.cpp), each adding
// its subcommand and calling the library; no logic of its own. main.cpp holds the global options
// and turns an Error into one line and an exit status.
#pragma once

#include "runtime/container.hpp"
#include "state/state.hpp"

#include <CLI/CLI.hpp>

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

// Adds `name` to `app`; once it is on the command line, `command` gets `action` and its status.
CLI::App* add_verb(CLI::App& app, Command& command, const std::string& name, const std::string& description,
                   std::function<int(const StateRoot&)> action, int failure_status = kExitError);

// For `create`, `run` and `exec`: once `cmd` is on the command line, minirun first re-executes itself
// from a read-only view of its binary, before any of its processes enters a container.
void enters_containers(CLI::App* cmd, Command& command);

// The flags `create` and `run` share, and the options they make (create.cpp).
struct CreateArgs {
  std::string id, bundle = ".", pid_file, console_socket;
  bool no_pivot = false, no_new_keyring = false;
  int preserve_fds = 0;
};
void add_create_flags(CLI::App* cmd, CreateArgs& args);
CreateOptions create_options(const CreateArgs& args);

// One per file, in the order `minirun --help` lists them.
void add_spec(CLI::App& app, Command& command);
void add_create(CLI::App& app, Command& command);
void add_run(CLI::App& app, Command& command);
void add_start(CLI::App& app, Command& command);
void add_state(CLI::App& app, Command& command);
void add_list(CLI::App& app, Command& command);
void add_kill(CLI::App& app, Command& command);
void add_delete(CLI::App& app, Command& command);
void add_exec(CLI::App& app, Command& command);
void add_ps(CLI::App& app, Command& command);
void add_features(CLI::App& app, Command& command);

}  // namespace minirun::cli
