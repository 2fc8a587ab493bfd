// minirun create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] ... ID
#include "base/error.hpp"
#include "cli/cli.hpp"
#include "spec/spec.hpp"

#include <cerrno>
#include <charconv>
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

// 0 .. 2^20: more than any process may have open.
std::function<void(const std::string&)> fd_count(int& target) {
  return [&target](const std::string& value) {
    int count = -1;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
    if (error != std::errc() || end != value.data() + value.size() || count < 0 || count > (1 << 20)) {
      throw Error("\"" + value + "\" is not a number from 0 to " + std::to_string(1 << 20));
    }
    target = count;
  };
}

void add_create_flags(Verb& verb, CreateArgs& args) {
  verb.option("-b,--bundle", "DIR", "Bundle directory holding config.json (default: .)", args.bundle);
  verb.option("--pid-file", "FILE", "Write the container's init PID to this file", args.pid_file);
  verb.option("--console-socket", "SOCKET", "Unix socket to send the terminal's master to", args.console_socket);
  verb.flag("--no-pivot", "Use chroot instead of pivot_root (for an initramfs)", args.no_pivot);
  verb.flag("--no-new-keyring", "Accepted: minirun makes no session keyring", args.no_new_keyring);
  verb.option("--preserve-fds", "N", "Pass fds 3 .. 3+N-1 on to the container's program", fd_count(args.preserve_fds));
}

CreateOptions create_options(const CreateArgs& args) {
  return CreateOptions{args.id, absolute_dir(args.bundle), args.pid_file, args.console_socket, args.no_pivot,
                       args.preserve_fds, {}, std::nullopt};
}

void add_create(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<CreateArgs>();
  auto& verb = add_verb(line, commands, "create", "Create a container: set up, waiting for start", [args](const StateRoot& root) {
    CreateOptions options = create_options(*args);
    create_container(root, options, load_spec(options.bundle + "/config.json"));
    return 0;
  }, kExitError, true);
  add_create_flags(verb, *args);
  verb.argument("ID", "Container ID", args->id);
}

}  // namespace minirun::cli
