#include "image/image_spec.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"
#include "base/files.hpp"
#include "base/text.hpp"

#include <fcntl.h>

#include <charconv>
#include <optional>

namespace minirun {

namespace {

const char* const kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::optional<uint32_t> number(std::string_view text) {
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// etc/NAME of the topmost layer that has it. Read through real directories only: the layers are
// the image's, and a symlink etc -> /etc would read the host's file instead.
std::string image_file(const std::vector<std::string>& lowers, const char* name) {
  for (const auto& lower : lowers) {
    Fd etc(::open((lower + "/etc").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!etc.valid()) continue;
    Fd file(::openat(etc.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (file.valid()) return read_rest(file.get(), lower + "/etc/" + name);
  }
  return "";
}

// The line of /etc/passwd or /etc/group whose field `key` (0: name, 2: id) is `value`.
std::vector<std::string_view> entry_of(const std::string& file, size_t key, std::string_view value) {
  for (auto line : split(file, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() > 3 && fields[key] == value) return fields;
  }
  return {};
}

}  // namespace

// "uid", "uid:gid", "name", "name:group": names need the image's files.
User image_user(const std::string& text, const std::vector<std::string>& lowers) {
  std::string_view user = text, group;
  if (auto colon = text.find(':'); colon != std::string::npos) {
    user = std::string_view(text).substr(0, colon);
    group = std::string_view(text).substr(colon + 1);
  }
  if (lowers.empty() && !(number(user) && (group.empty() || number(group)))) {
    throw Error("image user \"" + text + "\": names are looked up in the image's files: only numbers here");
  }
  std::string passwd = image_file(lowers, "passwd");
  auto account = number(user) ? entry_of(passwd, 2, user) : entry_of(passwd, 0, user);
  auto uid = number(user) ? number(user) : (account.empty() ? std::nullopt : number(account[2]));
  if (!uid) throw Error("image user \"" + text + "\": no such user in the image's /etc/passwd");
  auto gid = account.empty() ? std::optional<uint32_t>(0) : number(account[3]);
  if (!group.empty()) {
    auto named = entry_of(image_file(lowers, "group"), 0, group);
    gid = number(group) ? number(group) : (named.empty() ? std::nullopt : number(named[2]));
  }
  if (!gid) throw Error("image user \"" + text + "\": no such group in the image's /etc/group");
  return User{*uid, gid.value(), {}, std::nullopt};
}

void apply_image_config(Spec& spec, const ImageConfig& config, const std::vector<std::string>& command) {
  std::vector<std::string> args = config.entrypoint;
  const auto& rest = command.empty() ? config.cmd : command;
  args.insert(args.end(), rest.begin(), rest.end());
  if (args.empty()) throw Error("the image names no command (no Entrypoint, no Cmd): give one after --");
  spec.process.args = args;
  if (!config.env.empty()) {
    spec.process.env = config.env;
    bool has_path = false;
    for (const auto& variable : config.env) has_path = has_path || variable.starts_with("PATH=");
    if (!has_path) spec.process.env.insert(spec.process.env.begin(), kDefaultPath);
  }
  if (!config.working_dir.empty() && !config.working_dir.starts_with("/")) {
    throw Error("image WorkingDir \"" + config.working_dir + "\": not an absolute path");
  }
  spec.process.cwd = config.working_dir.empty() ? "/" : config.working_dir;
}

}  // namespace minirun
