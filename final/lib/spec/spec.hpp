// The OCI runtime spec's config.json: the one model of a container. Every way of starting one
// (a bundle, `run --rootfs DIR`, an engine) becomes a Spec first and then goes down one path.
// Only the fields minirun implements are here; load_spec() refuses any other field by name.
// Which JSON key fills which member: the tables of schema.hpp.
#pragma once

#include "spec/oci.hpp"
#include "spec/seccomp.hpp"

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
  std::optional<uint32_t> umask;
};

// The five capability sets, as names ("CAP_CHOWN"). Not given at all: the process keeps every
// capability root has, as with runc.
struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t soft = 0;
  uint64_t hard = 0;
};

struct ConsoleSize {
  unsigned short height = 0;
  unsigned short width = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  User user;
  std::optional<Capabilities> capabilities;
  bool no_new_privileges = false;
  std::vector<Rlimit> rlimits;
  std::optional<int> oom_score_adj;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

struct Namespace {
  std::string type;  // pid, network, ipc, uts, mount, cgroup, user
  std::string path;  // empty: a new namespace; else join this one
};

// One line of /proc/PID/uid_map or gid_map: `size` ids from `container_id` inside are `host_id`
// and up outside.
struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

// A device node made in the container's /dev (linux.devices).
struct Device {
  std::string path;
  std::string type;  // "c", "b", "u" or "p"
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

// A rule of the devices cgroup (linux.resources.devices): -1 major/minor means any.
struct DeviceRule {
  bool allow = false;
  std::string type = "a";  // "a" all, "c", "b"
  int64_t major = -1;
  int64_t minor = -1;
  std::string access = "rwm";
};

// linux.resources.blockIO: a weight for one device, or a rate limit on one device.
struct WeightDevice {
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint16_t> weight;
  std::optional<uint16_t> leaf_weight;
};

struct ThrottleDevice {
  int64_t major = 0;
  int64_t minor = 0;
  uint64_t rate = 0;  // bytes or operations per second
};

struct BlockIO {
  std::optional<uint16_t> weight;       // 10..1000
  std::optional<uint16_t> leaf_weight;  // cfq's, gone with it: ignored
  std::vector<WeightDevice> weight_device;
  std::vector<ThrottleDevice> throttle_read_bps, throttle_write_bps, throttle_read_iops, throttle_write_iops;
  bool empty() const;
};

// linux.resources.hugepageLimits[]: "2MB" pages, at most `limit` bytes of them.
struct HugepageLimit {
  std::string page_size;
  uint64_t limit = 0;
};

// linux.resources.network.priorities[]: the priority of the container's traffic on one interface.
struct InterfacePriority {
  std::string name;
  uint32_t priority = 0;
};

struct Resources {
  std::vector<DeviceRule> devices;
  std::optional<int64_t> memory_reservation;  // bytes: the soft limit
  std::optional<int64_t> memory_limit;  // bytes
  std::optional<int64_t> memory_swap;   // bytes of memory + swap, as the OCI spec counts it
  std::optional<int64_t> memory_kernel;       // kernel memory: gone from current kernels, ignored
  std::optional<int64_t> memory_kernel_tcp;   // the same for TCP buffers, ignored
  std::optional<uint64_t> memory_swappiness;  // 0..100, v1 only
  std::optional<bool> disable_oom_killer;     // v1 only
  std::optional<bool> use_hierarchy;          // always on in current kernels, ignored
  std::optional<bool> check_before_update;    // for an update verb minirun does not have, ignored
  std::optional<int64_t> pids_limit;
  std::optional<int64_t> cpu_quota;     // µs per period
  std::optional<uint64_t> cpu_period;   // µs
  std::optional<uint64_t> cpu_shares;
  std::string cpuset_cpus;              // "0-1,3": the CPUs the container may run on
  std::string cpuset_mems;              // the memory nodes it may allocate from
  BlockIO block_io;
  std::vector<HugepageLimit> hugepage_limits;
  std::optional<uint32_t> net_class_id;  // v1 net_cls
  std::vector<InterfacePriority> net_priorities;  // v1 net_prio
};

// A program the runtime runs at a point of the lifecycle, with the container's state on stdin.
struct Hook {
  std::string path;
  std::vector<std::string> args;  // argv, args[0] included; empty: just the path
  std::vector<std::string> env;
  std::optional<int> timeout;     // seconds
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
  bool empty() const;
};

// The hook kinds by their config.json names, in the order the lifecycle runs them.
std::vector<std::string> hook_kinds();

struct Spec {
  std::string oci_version = kOciVersion;
  Process process;
  std::string root_path;
  bool root_readonly = false;
  std::string hostname;
  std::vector<Mount> mounts;
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;  // with a new user namespace
  Resources resources;
  std::string cgroups_path;
  std::string rootfs_propagation;  // "rslave" (empty: minirun's default, rslave, as runc's)
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::map<std::string, std::string> annotations;
  std::map<std::string, std::string> sysctl;  // "net.ipv4.ip_forward" -> "1"
  std::vector<Device> devices;
  std::optional<SeccompProfile> seccomp;  // linux.seccomp
  Hooks hooks;

  bool has_namespace(const std::string& type) const;
  bool makes_user_namespace() const;  // a new one, whose id maps minirun writes
};

// Parses and validates config.json text; Error names the offending field.
Spec parse_spec(const std::string& text);
// Reads BUNDLE/config.json (or any path) and parses it.
Spec load_spec(const std::string& path);
// A `process` object alone, as `exec --process FILE` gets it: its text, or the file to read.
Process parse_process(const std::string& text);
Process load_process(const std::string& path);

nlohmann::ordered_json to_json(const Spec& spec);
std::string to_text(const Spec& spec);  // pretty-printed config.json
std::string to_text(const SeccompProfile& profile);  // linux.seccomp as one line of JSON

// What `minirun spec` writes: runc's default, minus the fields minirun does not implement yet.
Spec default_spec();

}  // namespace minirun
