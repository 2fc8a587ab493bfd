#include "state/state.hpp"

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/text.hpp"
#include "spec/oci.hpp"

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <charconv>
#include <string_view>

namespace minirun {

using nlohmann::json;

namespace {

nlohmann::ordered_json record_json(const Record& r) {
  nlohmann::ordered_json out = oci_state(r, Status::stopped);
  out["pid"] = r.pid;
  out.erase("status");  // computed each time from the process, never stored
  out["minirun"] = {{"startTime", r.start_time},
                    {"cgroup", {{"version", r.cgroup.version}, {"dirs", r.cgroup.dirs}, {"created", r.cgroup.created}}}};
  if (!r.layers.empty()) out["minirun"]["layers"] = r.layers;
  if (r.creator != 0) out["minirun"]["creator"] = {{"pid", r.creator}, {"startTime", r.creator_start_time}};
  return out;
}

Record record_from(const json& j) {
  Record r;
  r.id = j.at("id").get<std::string>();
  r.pid = j.at("pid").get<pid_t>();
  r.bundle = j.at("bundle").get<std::string>();
  r.rootfs = j.at("rootfs").get<std::string>();
  r.created = j.at("created").get<std::string>();
  r.owner = j.at("owner").get<std::string>();
  r.annotations = j.value("annotations", std::map<std::string, std::string>{});
  const json& own = j.at("minirun");
  r.start_time = own.at("startTime").get<uint64_t>();
  r.layers = own.value("layers", std::vector<std::string>{});
  r.cgroup.version = own.at("cgroup").at("version").get<std::string>();
  r.cgroup.dirs = own.at("cgroup").at("dirs").get<std::vector<std::string>>();
  r.cgroup.created = own.at("cgroup").at("created").get<std::vector<std::string>>();
  if (own.contains("creator")) {
    r.creator = own.at("creator").at("pid").get<pid_t>();
    r.creator_start_time = own.at("creator").at("startTime").get<uint64_t>();
  }
  return r;
}

std::string dead_id_message(const std::string& id) { return "container \"" + id + "\" does not exist"; }

// The init waits for `start` with the exec fifo open and closes it the moment it is released:
// whether it still holds the fifo tells "created" from "running", even if `start` was killed
// between releasing it and removing the fifo. Compared by inode, as the init sees other paths.
bool holds_open(pid_t pid, const std::string& path) {
  struct stat wanted {};
  if (::stat(path.c_str(), &wanted) == -1) return false;
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd/";
  for (const auto& fd : names_in(fds)) {
    struct stat held {};
    if (::stat((fds + fd).c_str(), &held) == 0 && held.st_dev == wanted.st_dev && held.st_ino == wanted.st_ino) {
      return true;
    }
  }
  return false;
}

}  // namespace

void validate_id(const std::string& id) {
  if (id.empty()) throw Error("invalid container ID: empty");
  if (id.size() > 1024) throw Error("invalid container ID: longer than 1024 bytes");
  if (id.find('/') != std::string::npos || id.find('\0') != std::string::npos) {
    throw Error("invalid container ID \"" + id + "\"");
  }
  // "." and ".." among them
  if (id.starts_with(".")) throw Error("invalid container ID \"" + id + "\": starts with a dot, as the state root's own files do");
}

std::string to_string(Status status) {
  switch (status) {
    case Status::creating: return "creating";
    case Status::created: return "created";
    case Status::running: return "running";
    case Status::stopped: return "stopped";
  }
  return "unknown";
}

void StateRoot::make_dir(const std::string& id) const {
  make_directories(path_);
  if (::mkdir(dir_of(id).c_str(), 0711) == -1) {
    if (errno == EEXIST) throw Error("container \"" + id + "\" already exists");
    throw Error("mkdir", dir_of(id), errno);
  }
}

bool StateRoot::is_unrecorded(const std::string& id) const {
  struct stat st {};
  return ::stat(dir_of(id).c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         ::access((dir_of(id) + "/state.json").c_str(), F_OK) == -1 && errno == ENOENT;
}

void StateRoot::remove_dir(const std::string& id) const {
  remove_tree(dir_of(id));
}

Fd StateRoot::lock(const std::string& id) const {
  Fd dir(::open(dir_of(id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    if (errno == ENOENT) throw Error(dead_id_message(id));
    throw Error("open", dir_of(id), errno);
  }
  check(::flock(dir.get(), LOCK_EX), "flock", dir_of(id));
  return dir;
}

void StateRoot::save(const Record& record) const {
  write_file(dir_of(record.id) + "/state.json", record_json(record).dump(2) + "\n");
}

// A missing state root holds no container; one that is not a directory is a mistake to name.
void StateRoot::require_directory() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == -1) {
    if (errno == ENOENT) return;
    throw Error("state root", path_, errno);
  }
  if (!S_ISDIR(st.st_mode)) throw Error("state root", path_, ENOTDIR);
}

Record StateRoot::load(const std::string& id) const {
  validate_id(id);
  require_directory();
  auto text = read_file_if_any(dir_of(id) + "/state.json");
  if (!text) throw Error(dead_id_message(id));
  try {
    return record_from(json::parse(*text));
  } catch (const json::exception& e) {
    throw Error("corrupt state of container \"" + id + "\": " + e.what());
  }
}

std::vector<std::string> StateRoot::ids() const {
  require_directory();
  std::vector<std::string> found;
  for (const auto& name : names_in(path_)) {
    if (::access((path_ + "/" + name + "/state.json").c_str(), F_OK) == 0) found.push_back(name);
  }
  std::sort(found.begin(), found.end());
  return found;
}

Status StateRoot::status(Record& record) const {
  if (record.creator != 0) {
    if (is_alive(record.creator, record.creator_start_time)) return Status::creating;
    // Either the create was killed half way (its init ends by itself, see init.cpp, and delete
    // cleans up), or it finished and exited after `record` was read: the file has the last word.
    try {
      Record now = load(record.id);
      if (now.creator != 0) return Status::stopped;
      record = now;
    } catch (const Error&) {
      return Status::stopped;  // deleted in the meantime
    }
  }
  if (!is_alive(record.pid, record.start_time)) return Status::stopped;
  return holds_open(record.pid, fifo_of(record.id)) ? Status::created : Status::running;
}

nlohmann::ordered_json oci_state(const Record& r, Status status) {
  return {{"ociVersion", kOciVersion},
          {"id", r.id},
          {"status", to_string(status)},
          {"pid", status == Status::stopped ? 0 : r.pid},
          {"bundle", r.bundle},
          {"rootfs", r.rootfs},
          {"created", r.created},
          {"owner", r.owner},
          {"annotations", r.annotations}};
}

std::optional<uint64_t> start_time_of(pid_t pid) {
  auto stat = pid > 0 ? read_file_if_any("/proc/" + std::to_string(pid) + "/stat") : std::nullopt;
  if (!stat || stat->rfind(')') == std::string::npos) return std::nullopt;
  // Field 2, the command name, may hold spaces and parentheses: fields are counted after the last ')'.
  // fields[0] is field 3, the state; fields[19] field 22
  auto fields = split(std::string_view(*stat).substr(stat->rfind(')') + 2), ' ');
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") return std::nullopt;
  uint64_t start = 0;
  auto [end, error] = std::from_chars(fields[19].data(), fields[19].data() + fields[19].size(), start);
  if (error != std::errc()) return std::nullopt;
  return start;
}

bool is_alive(pid_t pid, uint64_t start_time) {
  auto now = start_time_of(pid);
  return now && *now == start_time;
}

std::string current_owner(const std::string& passwd_file) {
  const std::string uid = std::to_string(::getuid());
  std::string passwd = read_file_if_any(passwd_file).value_or("");
  for (std::string_view line : split(passwd, '\n')) {  // name:password:UID:GID:comment:home:shell
    size_t name_end = line.find(':');
    if (name_end == std::string::npos) continue;
    size_t uid_start = line.find(':', name_end + 1);
    if (uid_start == std::string::npos) continue;
    size_t uid_end = line.find(':', uid_start + 1);
    if (uid_end != std::string::npos && line.compare(uid_start + 1, uid_end - uid_start - 1, uid) == 0)
      return std::string(line.substr(0, name_end));
  }
  return uid;
}

}  // namespace minirun
