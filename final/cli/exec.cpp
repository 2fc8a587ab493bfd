// minirun exec [--process F | -- CMD...] [--detach] [--pid-file F] [-t --console-socket S] ID
#include "cli/cli.hpp"
#include "runtime/exec.hpp"

namespace minirun::cli {

void add_exec(CLI::App& app, Command& command) {
  auto args = std::make_shared<ExecOptions>();
  auto* cmd = add_verb(app, command, "exec", "Run a process in a running container",
                       [args](const StateRoot& root) { return exec_in_container(root, *args); }, kExitRunError);
  enters_containers(cmd, command);
  cmd->add_option("-p,--process", args->process_file, "JSON file with a process object");
  cmd->add_flag("-d,--detach", args->detach, "Do not wait for the process");
  cmd->add_option("--pid-file", args->pid_file, "Write the process's PID to this file");
  cmd->add_flag("-t,--tty", args->tty, "Give the process a terminal (needs --console-socket)");
  cmd->add_option("--console-socket", args->console_socket, "Unix socket to send the terminal's master to");
  cmd->add_option("id", args->id, "Container ID")->required();
  cmd->add_option("command", args->args, "Program and arguments (after --)");
}

}  // namespace minirun::cli
