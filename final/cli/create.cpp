// minirun create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] ... ID
#include "base/error.hpp"
#include "cli/cli.hpp"
#include "spec/spec.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace minirun::cli {

namespace {

std::string absolute_dir(const std::string& path) {
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) throw Error("bundle", path, errno);
  return resolved;
}

}  // namespace

void add_create_flags(CLI::App* cmd, CreateArgs& args) {
  cmd->add_option("-b,--bundle", args.bundle, "Bundle directory holding config.json (default: .)");
  cmd->add_option("--pid-file", args.pid_file, "Write the container's init PID to this file");
  cmd->add_option("--console-socket", args.console_socket, "Unix socket to send the terminal's master to");
  cmd->add_flag("--no-pivot", args.no_pivot, "Use chroot instead of pivot_root (for an initramfs)");
  cmd->add_flag("--no-new-keyring", args.no_new_keyring, "Accepted: minirun makes no session keyring");
  cmd->add_option("--preserve-fds", args.preserve_fds, "Pass fds 3 .. 3+N-1 on to the container's program")
      ->check(CLI::Range(0, 1 << 20));
}

CreateOptions create_options(const CreateArgs& args) {
  return CreateOptions{args.id, absolute_dir(args.bundle), args.pid_file, args.console_socket, args.no_pivot,
                       args.preserve_fds, {}};
}

void add_create(CLI::App& app, Command& command) {
  auto args = std::make_shared<CreateArgs>();
  auto* cmd = add_verb(app, command, "create", "Create a container: set up, waiting for start", [args](const StateRoot& root) {
    CreateOptions options = create_options(*args);
    create_container(root, options, load_spec(options.bundle + "/config.json"));
    return 0;
  });
  enters_containers(cmd, command);
  add_create_flags(cmd, *args);
  cmd->add_option("id", args->id, "Container ID")->required();
}

}  // namespace minirun::cli
