// The OCI runtime spec's config.json: the one model of a container. Every way of starting one
// (a bundle, `run --rootfs DIR`, an engine) becomes a Spec first and then goes down one path.
// Only the fields minirun implements are here; load_spec() refuses any other field by name
// (the list is in spec_support.cpp).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minirun {

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
};

struct Process {
  bool terminal = false;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  User user;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

struct Namespace {
  std::string type;  // pid, network, ipc, uts, mount, cgroup
  std::string path;  // empty: a new namespace; else join this one
};

struct Resources {
  std::optional<int64_t> memory_limit;  // bytes
  std::optional<int64_t> memory_swap;   // bytes of memory + swap, as the OCI spec counts it
  std::optional<int64_t> pids_limit;
  std::optional<int64_t> cpu_quota;     // µs per period
  std::optional<uint64_t> cpu_period;   // µs
  std::optional<uint64_t> cpu_shares;
};

struct Spec {
  std::string oci_version = "1.0.2";
  Process process;
  std::string root_path;
  bool root_readonly = false;
  std::string hostname;
  std::vector<Mount> mounts;
  std::vector<Namespace> namespaces;
  Resources resources;
  std::string cgroups_path;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::map<std::string, std::string> annotations;

  bool has_namespace(const std::string& type) const;
};

// Parses and validates config.json text; Error names the offending field.
Spec parse_spec(const std::string& text);
// Reads BUNDLE/config.json (or any path) and parses it.
Spec load_spec(const std::string& path);
// A `process` object alone, as `exec --process FILE` gets it.
Process parse_process(const std::string& text);

nlohmann::ordered_json to_json(const Spec& spec);
std::string to_text(const Spec& spec);  // pretty-printed config.json

// What `minirun spec` writes: runc's default, minus the fields minirun does not implement yet.
Spec default_spec();

}  // namespace minirun
