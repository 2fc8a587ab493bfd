#include "spec.hpp"

#include "error.hpp"
#include "spec_support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>

namespace minirun {

using nlohmann::json;

namespace {

const std::set<std::string> kNamespaceTypes = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
const std::set<std::string> kMountTypes = {"proc",  "sysfs",  "tmpfs",   "devpts", "mqueue",
                                           "cgroup", "cgroup2", "bind", "none"};

// Reads field `key` of `object` as a T; a wrong type is an Error naming the field.
template <typename T>
T field(const json& object, const std::string& key, const std::string& path) {
  try {
    return object.at(key).get<T>();
  } catch (const json::exception& e) {
    // nlohmann's message starts with "[json.exception.type_error.302] "; keep what follows.
    std::string reason = e.what();
    throw Error("invalid field \"" + path + "\": " + reason.substr(reason.find(']') + 2));
  }
}

template <typename T>
void read_optional(const json& object, const std::string& key, const std::string& path, T& out) {
  if (object.contains(key)) out = field<T>(object, key, path);
}

template <typename T>
void read_optional(const json& object, const std::string& key, const std::string& path,
                   std::optional<T>& out) {
  if (object.contains(key) && !object.at(key).is_null()) out = field<T>(object, key, path);
}

json parse_json(const std::string& text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(what + ": malformed JSON: " + e.what());
  }
}

void require_absolute(const std::string& path, const std::string& field_name) {
  if (!path.starts_with("/")) throw Error("invalid field \"" + field_name + "\": \"" + path + "\" is not absolute");
  std::istringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part == "..") throw Error("invalid field \"" + field_name + "\": \"" + path + "\" contains \"..\"");
  }
}

User parse_user(const json& object) {
  User user;
  read_optional(object, "uid", "process.user.uid", user.uid);
  read_optional(object, "gid", "process.user.gid", user.gid);
  read_optional(object, "additionalGids", "process.user.additionalGids", user.additional_gids);
  return user;
}

Process parse_process_object(const json& object) {
  Process process;
  read_optional(object, "terminal", "process.terminal", process.terminal);
  if (process.terminal) throw Error("unsupported field \"process.terminal\": true needs a console, not supported yet");
  read_optional(object, "args", "process.args", process.args);
  if (process.args.empty()) throw Error("invalid field \"process.args\": at least the program is needed");
  read_optional(object, "env", "process.env", process.env);
  read_optional(object, "cwd", "process.cwd", process.cwd);
  require_absolute(process.cwd, "process.cwd");
  if (object.contains("user")) process.user = parse_user(object.at("user"));
  return process;
}

Mount parse_mount(const json& object) {
  Mount mount;
  mount.destination = field<std::string>(object, "destination", "mounts[].destination");
  require_absolute(mount.destination, "mounts[].destination");
  read_optional(object, "type", "mounts[].type", mount.type);
  read_optional(object, "source", "mounts[].source", mount.source);
  read_optional(object, "options", "mounts[].options", mount.options);
  bool bind = std::ranges::any_of(mount.options, [](const std::string& o) { return o == "bind" || o == "rbind"; });
  if (bind && (mount.type.empty() || mount.type == "none")) mount.type = "bind";
  if (!kMountTypes.contains(mount.type)) {
    throw Error("unsupported field \"mounts[].type\": \"" + mount.type + "\" at " + mount.destination);
  }
  return mount;
}

Namespace parse_namespace(const json& object) {
  Namespace ns;
  ns.type = field<std::string>(object, "type", "linux.namespaces[].type");
  read_optional(object, "path", "linux.namespaces[].path", ns.path);
  if (!kNamespaceTypes.contains(ns.type)) {
    throw Error("unsupported field \"linux.namespaces[].type\": \"" + ns.type + "\"");
  }
  return ns;
}

Resources parse_resources(const json& object) {
  Resources r;
  if (object.contains("memory")) {
    const json& memory = object.at("memory");
    read_optional(memory, "limit", "linux.resources.memory.limit", r.memory_limit);
    read_optional(memory, "swap", "linux.resources.memory.swap", r.memory_swap);
  }
  if (object.contains("pids")) read_optional(object.at("pids"), "limit", "linux.resources.pids.limit", r.pids_limit);
  if (object.contains("cpu")) {
    const json& cpu = object.at("cpu");
    read_optional(cpu, "quota", "linux.resources.cpu.quota", r.cpu_quota);
    read_optional(cpu, "period", "linux.resources.cpu.period", r.cpu_period);
    read_optional(cpu, "shares", "linux.resources.cpu.shares", r.cpu_shares);
  }
  return r;
}

void parse_linux(const json& linux, Spec& spec) {
  if (linux.contains("namespaces")) {
    for (const auto& ns : linux.at("namespaces")) spec.namespaces.push_back(parse_namespace(ns));
  }
  if (linux.contains("resources")) spec.resources = parse_resources(linux.at("resources"));
  read_optional(linux, "cgroupsPath", "linux.cgroupsPath", spec.cgroups_path);
  read_optional(linux, "maskedPaths", "linux.maskedPaths", spec.masked_paths);
  read_optional(linux, "readonlyPaths", "linux.readonlyPaths", spec.readonly_paths);
}

void validate(const Spec& spec) {
  if (spec.root_path.empty()) throw Error("invalid field \"root.path\": missing");
  // Without its own mount namespace a container's mounts would land on the host.
  if (!spec.has_namespace("mount")) throw Error("invalid field \"linux.namespaces\": a mount namespace is required");
  if (!spec.hostname.empty() && !spec.has_namespace("uts")) {
    throw Error("invalid field \"hostname\": setting it needs a uts namespace");
  }
}

Spec parse_document(const json& doc) {
  refuse_unsupported(doc);
  Spec spec;
  read_optional(doc, "ociVersion", "ociVersion", spec.oci_version);
  if (!doc.contains("process")) throw Error("invalid field \"process\": missing");
  spec.process = parse_process_object(doc.at("process"));
  if (doc.contains("root")) {
    read_optional(doc.at("root"), "path", "root.path", spec.root_path);
    read_optional(doc.at("root"), "readonly", "root.readonly", spec.root_readonly);
  }
  read_optional(doc, "hostname", "hostname", spec.hostname);
  if (doc.contains("mounts")) {
    for (const auto& mount : doc.at("mounts")) spec.mounts.push_back(parse_mount(mount));
  }
  if (doc.contains("linux")) parse_linux(doc.at("linux"), spec);
  read_optional(doc, "annotations", "annotations", spec.annotations);
  validate(spec);
  return spec;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("open", path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool Spec::has_namespace(const std::string& type) const {
  return std::ranges::any_of(namespaces, [&](const Namespace& ns) { return ns.type == type; });
}

Spec parse_spec(const std::string& text) { return parse_document(parse_json(text, "config.json")); }

Spec load_spec(const std::string& path) {
  return parse_document(parse_json(read_file(path), path));
}

Process parse_process(const std::string& text) {
  json doc = parse_json(text, "process");
  refuse_unsupported(doc, "process");
  return parse_process_object(doc);
}

}  // namespace minirun
