#include "spec.hpp"

#include "capabilities.hpp"
#include "error.hpp"
#include "json_integer.hpp"
#include "process.hpp"
#include "seccomp.hpp"
#include "spec_support.hpp"
#include "sysctl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>
#include <type_traits>

namespace minirun {

using nlohmann::json;

namespace {

const std::set<std::string> kNamespaceTypes = {"pid", "network", "ipc", "uts", "mount", "cgroup", "user"};
const std::set<std::string> kMountTypes = {"proc",  "sysfs",  "tmpfs",   "devpts", "mqueue",
                                           "cgroup", "cgroup2", "bind", "none"};

// Reads field `key` of `object` as a T; a wrong type is an Error naming the field.
template <typename T>
T field(const json& object, const std::string& key, const std::string& path) {
  try {
    const json& value = object.at(key);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) check_integer<T>(value, path);
    if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
      if (value.is_array()) std::ranges::for_each(value, [&](const json& id) { check_integer<uint32_t>(id, path); });
    }
    return value.get<T>();
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
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw Error(what + ": malformed JSON: " + e.what());
  }
}

void require_absolute(const std::string& path, const std::string& field_name) {
  if (!path.starts_with("/")) throw Error("invalid field \"" + field_name + "\": \"" + path + "\" is not absolute");
  std::istringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part == "..") {
      // runc would resolve it inside the root; minirun refuses it, so a path means what it reads.
      throw Error("invalid field \"" + field_name + "\": \"" + path + "\" contains \"..\" (refused by minirun)");
    }
  }
}

User parse_user(const json& object) {
  User user;
  read_optional(object, "uid", "process.user.uid", user.uid);
  read_optional(object, "gid", "process.user.gid", user.gid);
  read_optional(object, "additionalGids", "process.user.additionalGids", user.additional_gids);
  read_optional(object, "umask", "process.user.umask", user.umask);
  return user;
}

Capabilities parse_capabilities(const json& object) {
  Capabilities caps;
  const std::pair<const char*, std::vector<std::string>*> sets[] = {
      {"bounding", &caps.bounding},       {"effective", &caps.effective}, {"inheritable", &caps.inheritable},
      {"permitted", &caps.permitted},     {"ambient", &caps.ambient}};
  for (const auto& [name, set] : sets) {
    std::string path = std::string("process.capabilities.") + name;
    read_optional(object, name, path, *set);
    for (const auto& cap : *set) capability_number(cap);  // an unknown name is an Error
  }
  return caps;
}

Rlimit parse_rlimit(const json& object) {
  Rlimit limit;
  limit.type = field<std::string>(object, "type", "process.rlimits[].type");
  limit.soft = field<uint64_t>(object, "soft", "process.rlimits[].soft");
  limit.hard = field<uint64_t>(object, "hard", "process.rlimits[].hard");
  rlimit_resource(limit.type);  // an unknown name is an Error
  return limit;
}

void parse_process_security(const json& object, Process& process) {
  if (object.contains("capabilities")) process.capabilities = parse_capabilities(object.at("capabilities"));
  read_optional(object, "noNewPrivileges", "process.noNewPrivileges", process.no_new_privileges);
  if (object.contains("rlimits")) {
    for (const auto& limit : object.at("rlimits")) process.rlimits.push_back(parse_rlimit(limit));
  }
  read_optional(object, "oomScoreAdj", "process.oomScoreAdj", process.oom_score_adj);
}

Process parse_process_object(const json& object) {
  Process process;
  read_optional(object, "terminal", "process.terminal", process.terminal);
  if (object.contains("consoleSize")) {
    const json& size = object.at("consoleSize");
    process.console_size = ConsoleSize{field<unsigned short>(size, "height", "process.consoleSize.height"),
                                       field<unsigned short>(size, "width", "process.consoleSize.width")};
  }
  read_optional(object, "args", "process.args", process.args);
  if (process.args.empty()) throw Error("invalid field \"process.args\": at least the program is needed");
  read_optional(object, "env", "process.env", process.env);
  read_optional(object, "cwd", "process.cwd", process.cwd);
  require_absolute(process.cwd, "process.cwd");
  if (object.contains("user")) process.user = parse_user(object.at("user"));
  parse_process_security(object, process);
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

DeviceRule parse_device_rule(const json& object) {
  DeviceRule rule;
  rule.allow = field<bool>(object, "allow", "linux.resources.devices[].allow");
  read_optional(object, "type", "linux.resources.devices[].type", rule.type);
  read_optional(object, "major", "linux.resources.devices[].major", rule.major);
  read_optional(object, "minor", "linux.resources.devices[].minor", rule.minor);
  read_optional(object, "access", "linux.resources.devices[].access", rule.access);
  if (rule.type != "a" && rule.type != "c" && rule.type != "b") {
    throw Error("invalid field \"linux.resources.devices[].type\": \"" + rule.type + "\"");
  }
  if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos) {
    throw Error("invalid field \"linux.resources.devices[].access\": \"" + rule.access + "\"");
  }
  return rule;
}

Device parse_device(const json& object) {
  Device device;
  device.path = field<std::string>(object, "path", "linux.devices[].path");
  require_absolute(device.path, "linux.devices[].path");
  device.type = field<std::string>(object, "type", "linux.devices[].type");
  if (device.type != "c" && device.type != "b" && device.type != "u" && device.type != "p") {
    throw Error("invalid field \"linux.devices[].type\": \"" + device.type + "\"");
  }
  read_optional(object, "major", "linux.devices[].major", device.major);
  read_optional(object, "minor", "linux.devices[].minor", device.minor);
  read_optional(object, "fileMode", "linux.devices[].fileMode", device.file_mode);
  read_optional(object, "uid", "linux.devices[].uid", device.uid);
  read_optional(object, "gid", "linux.devices[].gid", device.gid);
  return device;
}

Resources parse_resources(const json& object) {
  Resources r;
  if (object.contains("devices")) {
    for (const auto& rule : object.at("devices")) r.devices.push_back(parse_device_rule(rule));
  }
  if (object.contains("memory")) {
    const json& memory = object.at("memory");
    read_optional(memory, "limit", "linux.resources.memory.limit", r.memory_limit);
    read_optional(memory, "swap", "linux.resources.memory.swap", r.memory_swap);
    read_optional(memory, "reservation", "linux.resources.memory.reservation", r.memory_reservation);
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

std::vector<IdMapping> parse_mappings(const json& list, const std::string& path) {
  std::vector<IdMapping> mappings;
  for (const auto& object : list) {
    mappings.push_back({field<uint32_t>(object, "containerID", path + "[].containerID"),
                        field<uint32_t>(object, "hostID", path + "[].hostID"),
                        field<uint32_t>(object, "size", path + "[].size")});
  }
  return mappings;
}

void parse_linux(const json& linux, Spec& spec) {
  if (linux.contains("namespaces")) {
    for (const auto& ns : linux.at("namespaces")) spec.namespaces.push_back(parse_namespace(ns));
  }
  if (linux.contains("uidMappings")) spec.uid_mappings = parse_mappings(linux.at("uidMappings"), "linux.uidMappings");
  if (linux.contains("gidMappings")) spec.gid_mappings = parse_mappings(linux.at("gidMappings"), "linux.gidMappings");
  if (linux.contains("resources")) spec.resources = parse_resources(linux.at("resources"));
  read_optional(linux, "cgroupsPath", "linux.cgroupsPath", spec.cgroups_path);
  read_optional(linux, "maskedPaths", "linux.maskedPaths", spec.masked_paths);
  read_optional(linux, "readonlyPaths", "linux.readonlyPaths", spec.readonly_paths);
  read_optional(linux, "sysctl", "linux.sysctl", spec.sysctl);
  if (linux.contains("devices")) {
    for (const auto& device : linux.at("devices")) spec.devices.push_back(parse_device(device));
  }
  if (linux.contains("seccomp")) {
    spec.seccomp = linux.at("seccomp").dump();
    parse_seccomp(spec.seccomp);  // names every unknown action, operator or architecture
  }
}

Hook parse_hook(const json& object, const std::string& path) {
  Hook hook;
  hook.path = field<std::string>(object, "path", path + "[].path");
  require_absolute(hook.path, path + "[].path");
  read_optional(object, "args", path + "[].args", hook.args);
  read_optional(object, "env", path + "[].env", hook.env);
  read_optional(object, "timeout", path + "[].timeout", hook.timeout);
  if (hook.timeout && *hook.timeout <= 0) throw Error("invalid field \"" + path + "[].timeout\": must be positive");
  return hook;
}

Hooks parse_hooks(const json& object) {
  Hooks hooks;
  for (const auto& [name, list] : kHookKinds) {
    if (!object.contains(name)) continue;
    for (const auto& hook : object.at(name)) (hooks.*list).push_back(parse_hook(hook, std::string("hooks.") + name));
  }
  return hooks;
}

void validate(const Spec& spec) {
  if (spec.root_path.empty()) throw Error("invalid field \"root.path\": missing");
  // Without its own mount namespace a container's mounts would land on the host.
  if (!spec.has_namespace("mount")) throw Error("invalid field \"linux.namespaces\": a mount namespace is required");
  if (!spec.hostname.empty() && !spec.has_namespace("uts")) {
    throw Error("invalid field \"hostname\": setting it needs a uts namespace");
  }
  for (const auto& [key, value] : spec.sysctl) check_sysctl(key, spec.namespaces);
  bool mapped = !spec.uid_mappings.empty() && !spec.gid_mappings.empty();
  if (spec.makes_user_namespace() != mapped) {
    throw Error("invalid field \"linux.uidMappings\": a new user namespace needs uid and gid mappings, and only it");
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
  if (doc.contains("hooks")) spec.hooks = parse_hooks(doc.at("hooks"));
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

bool Hooks::empty() const {
  for (const auto& kind : kHookKinds) {
    if (!(this->*kind.list).empty()) return false;
  }
  return true;
}

bool Spec::has_namespace(const std::string& type) const {
  return std::ranges::any_of(namespaces, [&](const Namespace& ns) { return ns.type == type; });
}

bool Spec::makes_user_namespace() const {
  return std::ranges::any_of(namespaces, [](const Namespace& ns) { return ns.type == "user" && ns.path.empty(); });
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

Process load_process(const std::string& path) { return parse_process(read_file(path)); }

}  // namespace minirun
