// minirun exec [--process F | -- CMD...] [--detach] [--pid-file F] [-t --console-socket S] ID
#include "cli/cli.hpp"
#include "runtime/exec.hpp"

namespace minirun::cli {

void add_exec(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<ExecOptions>();
  auto& verb = add_verb(line, commands, "exec", "Run a process in a running container",
                        [args](const StateRoot& root) { return exec_in_container(root, *args); }, kExitRunError, true);
  verb.option("-p,--process", "FILE", "JSON file with a process object", args->process_file);
  verb.flag("-d,--detach", "Do not wait for the process", args->detach);
  verb.option("--pid-file", "FILE", "Write the process's PID to this file", args->pid_file);
  verb.flag("-t,--tty", "Give the process a terminal (needs --console-socket)", args->tty);
  verb.option("--console-socket", "SOCKET", "Unix socket to send the terminal's master to", args->console_socket);
  verb.argument("ID", "Container ID", args->id);
  verb.rest("COMMAND", "Program and arguments", args->args);
}

}  // namespace minirun::cli
