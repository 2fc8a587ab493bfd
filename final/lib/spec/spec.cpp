// Reading and writing config.json, both driven by the tables of schema.hpp; the checks a value must
// pass beyond its type (check_fields, one per struct that has any) are below them.
#include "spec/spec.hpp"

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/text.hpp"
#include "spec/json_integer.hpp"
#include "spec/linux_names.hpp"
#include "spec/schema.hpp"
#include "spec/spec_support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string_view>
#include <type_traits>

namespace minirun {

using nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

std::string join(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }

[[noreturn]] void invalid(const std::string& path, const std::string& why) {
  throw Error("invalid field \"" + path + "\": " + why);
}

void require_absolute(const std::string& path, const std::string& field_name) {
  if (!path.starts_with("/")) invalid(field_name, "\"" + path + "\" is not absolute");
  for (std::string_view part : split(path, '/')) {
    // runc would resolve it inside the root; minirun refuses it, so a path means what it reads.
    if (part == "..") {
      invalid(field_name, "\"" + path + "\" contains \"..\" (refused by minirun)");
    }
  }
}

// ---- the checks beyond a value's type, called once a struct is read ----

const std::set<std::string> kMountTypes = {"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2", "bind", "none"};

void check_fields(Process& process, const std::string& path) {
  if (process.args.empty()) invalid(path + ".args", "at least the program is needed");
}

void check_fields(Capabilities& caps, const std::string&) {
  for_each_field<Capabilities>([&](const auto& row) {
    for (const auto& name : caps.*row.member) capability_number(name);  // an unknown name is an Error
  });
}

void check_fields(Rlimit& limit, const std::string&) { rlimit_resource(limit.type); }

void check_fields(Mount& mount, const std::string& path) {
  bool bind = std::ranges::any_of(mount.options, [](const std::string& o) { return o == "bind" || o == "rbind"; });
  if (bind && (mount.type.empty() || mount.type == "none")) mount.type = "bind";
  if (!kMountTypes.contains(mount.type)) {
    throw Error("unsupported field \"" + path + ".type\": \"" + mount.type + "\" at " + mount.destination);
  }
}

void check_fields(Namespace& ns, const std::string& path) {
  if (std::ranges::none_of(kNamespaceKinds, [&](const NamespaceKind& kind) { return ns.type == kind.spec_name; })) {
    throw Error("unsupported field \"" + path + ".type\": \"" + ns.type + "\"");
  }
}

void check_fields(DeviceRule& rule, const std::string& path) {
  if (rule.type != "a" && rule.type != "c" && rule.type != "b") invalid(path + ".type", "\"" + rule.type + "\"");
  if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos) {
    invalid(path + ".access", "\"" + rule.access + "\"");
  }
}

void check_fields(Device& device, const std::string& path) {
  if (device.type != "c" && device.type != "b" && device.type != "u" && device.type != "p") {
    invalid(path + ".type", "\"" + device.type + "\"");
  }
}

void check_fields(Hook& hook, const std::string& path) {
  if (hook.timeout && *hook.timeout <= 0) invalid(path + ".timeout", "must be positive");
}

void check_fields(SeccompProfile& profile, const std::string&) { check_seccomp_names(profile); }

// "0-3,6": the list format of cpuset.cpus and cpuset.mems.
void check_cpu_list(const std::string& list, const std::string& path) {
  if (list.ends_with(',')) invalid(path, "\"" + list + "\" ends with a comma");
  for (std::string_view part : split(list, ',')) {
    std::string range(part);
    size_t dash = range.find('-');
    std::string first = range.substr(0, dash), last = dash == std::string::npos ? first : range.substr(dash + 1);
    auto number = [](const std::string& n) { return !n.empty() && n.size() < 6 && n.find_first_not_of("0123456789") == std::string::npos; };
    if (!number(first) || !number(last) || std::stoul(first) > std::stoul(last)) {
      invalid(path, "\"" + list + "\" is not a list of numbers and ranges like 0-3,6");
    }
  }
}

void check_weight(const std::optional<uint16_t>& weight, const std::string& path) {
  if (weight && (*weight < 10 || *weight > 1000)) invalid(path, std::to_string(*weight) + " is not between 10 and 1000");
}

void check_fields(Resources& r, const std::string& path) {
  if (!r.cpuset_cpus.empty()) check_cpu_list(r.cpuset_cpus, path + ".cpu.cpus");
  if (!r.cpuset_mems.empty()) check_cpu_list(r.cpuset_mems, path + ".cpu.mems");
  if (r.memory_swappiness && *r.memory_swappiness > 100) {
    invalid(path + ".memory.swappiness", std::to_string(*r.memory_swappiness) + " is above 100");
  }
}

void check_fields(BlockIO& io, const std::string& path) {
  check_weight(io.weight, path + ".weight");
  check_weight(io.leaf_weight, path + ".leafWeight");
}

void check_fields(WeightDevice& device, const std::string& path) {
  check_weight(device.weight, path + ".weight");
  check_weight(device.leaf_weight, path + ".leafWeight");
}

// "2MB", "1GB", "64KB": the names of the kernel's hugetlb files.
void check_fields(HugepageLimit& limit, const std::string& path) {
  const std::string& size = limit.page_size;
  size_t digits = size.find_first_not_of("0123456789");
  std::string unit = digits == std::string::npos ? "" : size.substr(digits);
  if (digits == 0 || digits == std::string::npos || (unit != "KB" && unit != "MB" && unit != "GB")) {
    invalid(path + ".pageSize", "\"" + size + "\" is not a page size like 2MB or 1GB");
  }
}

void check_fields(InterfacePriority& priority, const std::string& path) {
  if (priority.name.empty() || priority.name.find_first_of(" \t\n/") != std::string::npos) {
    invalid(path + ".name", "\"" + priority.name + "\" is not an interface name");
  }
}

// SemVer, as the spec asks, of a version this runtime reads: 1.x.y (a major version of its own would be
// a spec minirun does not know). Parsed by hand: std::regex recurses per character, and the fuzzer
// sends long strings.
void check_oci_version(const std::string& version) {
  auto numeric = [](const std::string& part) {
    return !part.empty() && part.find_first_not_of("0123456789") == std::string::npos && (part == "0" || part[0] != '0');
  };
  size_t end = version.find_first_of("-+");
  std::vector<std::string> parts;
  for (std::string_view part : split(std::string_view(version).substr(0, end), '.')) parts.emplace_back(part);
  std::string suffix = end == std::string::npos ? "" : version.substr(end + 1);
  bool semver = parts.size() == 3 && std::ranges::all_of(parts, numeric) && !version.ends_with('.') &&
                (end == std::string::npos ||
                 (!suffix.empty() && suffix.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                              "abcdefghijklmnopqrstuvwxyz.-+") == std::string::npos));
  if (!semver) invalid("ociVersion", "\"" + version + "\" is not a SemVer version");
  if (parts[0] != "1") invalid("ociVersion", "\"" + version + "\": minirun reads version 1 of the runtime spec");
}

void check_namespaces_once(const std::vector<Namespace>& namespaces) {
  std::set<std::string> seen;
  for (const auto& ns : namespaces) {
    if (!seen.insert(ns.type).second) invalid("linux.namespaces", "\"" + ns.type + "\" is listed twice");
  }
}

// Without a mount namespace of its own the container shares the runtime's: it only gets a chroot. Any
// field that mounts would change the host's mount table (runc makes such mounts on the host): refused.
void check_without_mount_namespace(const Spec& spec) {
  const std::pair<bool, const char*> mounting[] = {
      {!spec.mounts.empty(), "mounts"},
      {!spec.masked_paths.empty(), "linux.maskedPaths"},
      {!spec.readonly_paths.empty(), "linux.readonlyPaths"},
      {spec.root_readonly, "root.readonly"},
      {!spec.devices.empty(), "linux.devices"},
      {!spec.rootfs_propagation.empty(), "linux.rootfsPropagation"},
  };
  for (const auto& [given, field] : mounting) {
    if (given) invalid(field, "needs a mount namespace of the container's own; without one it would change the host's mounts");
  }
}

void check_fields(Spec& spec, const std::string&) {
  check_oci_version(spec.oci_version);
  check_namespaces_once(spec.namespaces);
  if (spec.root_path.empty()) invalid("root.path", "missing");
  if (!spec.has_namespace("mount")) check_without_mount_namespace(spec);
  if (!spec.hostname.empty() && !spec.has_namespace("uts")) invalid("hostname", "setting it needs a uts namespace");
  if (!spec.rootfs_propagation.empty() && !propagation_flags(spec.rootfs_propagation)) {
    invalid("linux.rootfsPropagation", "\"" + spec.rootfs_propagation + "\" is not a propagation like rslave or rshared");
  }
  for (const auto& [key, value] : spec.sysctl) check_sysctl(key, spec.namespaces);
  bool mapped = !spec.uid_mappings.empty() && !spec.gid_mappings.empty();
  if (spec.makes_user_namespace() != mapped) {
    invalid("linux.uidMappings", "a new user namespace needs uid and gid mappings, and only it");
  }
}

template <typename S>
void check_fields(S&, const std::string&) {}  // nothing beyond the types

// ---- reading: JSON -> struct, row by row ----

// The value at a dotted key, or null when a part of it is missing.
const json* lookup(const json& object, std::string_view key) {
  const json* at = &object;
  for (std::string_view part : split(key, '.')) {  // no stream: every field of every config.json comes here
    if (!at->is_object()) return nullptr;
    auto found = at->find(std::string(part));
    if (found == at->end()) return nullptr;
    at = &*found;
  }
  return at;
}

template <typename S>
S read_object(const json& object, const std::string& path);

template <typename T>
T read_value(const json& value, const std::string& path) {
  if constexpr (is_optional<T>::value) {
    if (value.is_null()) return std::nullopt;
    return read_value<typename T::value_type>(value, path);
  } else if constexpr (Described<T>) {
    return read_object<T>(value, path);
  } else if constexpr (ListOfDescribed<T>) {
    if (!value.is_array()) invalid(path, std::string("type must be array, but is ") + value.type_name());
    T list;
    for (const auto& element : value) list.push_back(read_value<typename T::value_type>(element, path + "[]"));
    return list;
  } else {
    try {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) check_integer<T>(value, path);
      if constexpr (IntegerList<T>) {
        if (value.is_array()) std::ranges::for_each(value, [&](const json& n) { check_integer<typename T::value_type>(n, path); });
      }
      return value.get<T>();
    } catch (const json::exception& e) {
      // nlohmann's message starts with "[json.exception.type_error.302] "; keep what follows.
      std::string reason = e.what();
      invalid(path, reason.substr(reason.find(']') + 2));
    }
  }
}

template <typename S>
S read_object(const json& object, const std::string& path) {
  S out;
  for_each_field<S>([&](const auto& row) {
    const json* value = lookup(object, row.key);
    if (!value) {
      if (row.rules & kRequired) invalid(join(path, row.key), "missing");
      return;
    }
    std::string at = join(path, row.key);
    auto& member = out.*row.member;
    member = read_value<std::remove_cvref_t<decltype(member)>>(*value, at);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(member)>, std::string>) {
      if (row.rules & kAbsolute) require_absolute(member, at);
    }
  });
  check_fields(out, path);
  return out;
}

// ---- writing: struct -> JSON, row by row, in the tables' order ----

template <typename T>
bool is_default(const T& value, const T& fallback) {
  if constexpr (is_optional<T>::value) {
    return !value;
  } else if constexpr (requires { value.empty(); }) {
    return value.empty();
  } else if constexpr (Described<T>) {
    return false;  // written, then dropped if it came out empty
  } else {
    return value == fallback;
  }
}

// Sets out["memory"]["limit"] for the key "memory.limit".
void place(ordered_json& out, std::string_view key, ordered_json value) {
  ordered_json* at = &out;
  for (std::string_view part : split(key, '.')) at = &(*at)[std::string(part)];
  *at = std::move(value);
}

template <typename S>
ordered_json write_object(const S& object);

template <typename T>
ordered_json write_value(const T& value) {
  if constexpr (is_optional<T>::value) {
    return write_value(*value);
  } else if constexpr (Described<T>) {
    return write_object(value);
  } else if constexpr (ListOfDescribed<T>) {
    ordered_json list = ordered_json::array();
    for (const auto& element : value) list.push_back(write_value(element));
    return list;
  } else {
    return value;
  }
}

template <typename S>
ordered_json write_object(const S& object) {
  [[maybe_unused]] static const S defaults{};
  ordered_json out = ordered_json::object();
  for_each_field<S>([&](const auto& row) {
    const auto& value = object.*row.member;
    if constexpr (is_optional<std::remove_cvref_t<decltype(value)>>::value) {
      if (!value) return;
    }
    bool omit = row.rules & kOmitDefault;
    if (omit && is_default(value, defaults.*row.member)) return;
    ordered_json written = write_value(value);
    if (omit && written.is_object() && written.empty()) return;
    place(out, row.key, std::move(written));
  });
  return out;
}

json parse_json(const std::string& text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw Error(what + ": malformed JSON: " + e.what());
  }
}

Spec parse_document(const std::string& text, const std::string& what) {
  json doc = parse_json(text, what);
  refuse_unsupported(doc);
  if (!doc.contains("ociVersion")) invalid("ociVersion", "missing (the spec requires it)");
  return read_object<Spec>(doc, "");
}

}  // namespace

bool BlockIO::empty() const {
  bool none = true;
  for_each_field<BlockIO>([&](const auto& row) {
    const auto& value = this->*row.member;
    if constexpr (is_optional<std::remove_cvref_t<decltype(value)>>::value) {
      none = none && !value;
    } else {
      none = none && value.empty();
    }
  });
  return none;
}

bool Hooks::empty() const {
  bool none = true;
  for_each_field<Hooks>([&](const auto& row) { none = none && (this->*row.member).empty(); });
  return none;
}

std::vector<std::string> hook_kinds() {
  std::vector<std::string> names;
  for_each_field<Hooks>([&](const auto& row) { names.push_back(row.key); });
  return names;
}

bool Spec::has_namespace(const std::string& type) const {
  return std::ranges::any_of(namespaces, [&](const Namespace& ns) { return ns.type == type; });
}

bool Spec::makes_user_namespace() const {
  return std::ranges::any_of(namespaces, [](const Namespace& ns) { return ns.type == "user" && ns.path.empty(); });
}

Spec parse_spec(const std::string& text) { return parse_document(text, "config.json"); }

Spec load_spec(const std::string& path) { return parse_document(read_file(path), path); }

Process parse_process(const std::string& text) {
  json doc = parse_json(text, "process");
  refuse_unsupported(doc, "process");
  return read_object<Process>(doc, "process");
}

Process load_process(const std::string& path) { return parse_process(read_file(path)); }

ordered_json to_json(const Spec& spec) { return write_object(spec); }

std::string to_text(const Spec& spec) { return to_json(spec).dump(2) + "\n"; }

std::string to_text(const SeccompProfile& profile) { return write_object(profile).dump(); }

}  // namespace minirun
