// config.json's schema, written once: for every struct of the model (spec.hpp, seccomp.hpp) the
// table of its fields, each a JSON key and the member it fills. One table drives
//   - parsing (spec.cpp: read_object), with the checks each row names;
//   - writing (spec.cpp: write_object), what `minirun spec` prints and `create` saves;
//   - the supported-field check: a key no table has is refused by name;
//   - `minirun features` (the hook names).
// To support a new field: add its member to the struct and a row here, then apply it in kernel/.
#pragma once

#include "spec/seccomp.hpp"
#include "spec/spec.hpp"

#include <map>
#include <optional>
#include <tuple>
#include <type_traits>
#include <vector>

namespace minirun {

// What a row asks of its value, beyond its C++ type.
enum Rule : unsigned {
  kOptional = 0,
  kRequired = 1,     // missing is an error
  kAbsolute = 2,     // a path that starts with "/" and has no ".."
  kOmitDefault = 4,  // written only when it differs from the struct's default (or is not empty)
};

// One row: the key ("memory.limit" is "limit" inside the object "memory") and the member it fills.
// A std::optional member is written only when set; a std::map is free-form (any key).
template <typename S, typename T>
struct Field {
  const char* key;
  T S::*member;
  unsigned rules = kOptional;
};

// Spelled out for compilers without class template argument deduction for aggregates (clang < 17).
template <typename S, typename T>
Field(const char*, T S::*) -> Field<S, T>;
template <typename S, typename T>
Field(const char*, T S::*, unsigned) -> Field<S, T>;

template <typename S>
struct Schema;  // Schema<S>::fields, a tuple of Field<S, ...>, in the order config.json is written

template <>
struct Schema<Spec> {
  static constexpr std::tuple fields{
      Field{"ociVersion", &Spec::oci_version},
      Field{"process", &Spec::process, kRequired},
      Field{"root.path", &Spec::root_path},
      Field{"root.readonly", &Spec::root_readonly},
      Field{"hostname", &Spec::hostname},
      Field{"mounts", &Spec::mounts},
      Field{"linux.namespaces", &Spec::namespaces},
      Field{"linux.uidMappings", &Spec::uid_mappings, kOmitDefault},
      Field{"linux.gidMappings", &Spec::gid_mappings, kOmitDefault},
      Field{"linux.resources", &Spec::resources, kOmitDefault},
      Field{"linux.cgroupsPath", &Spec::cgroups_path, kOmitDefault},
      Field{"linux.rootfsPropagation", &Spec::rootfs_propagation, kOmitDefault},
      Field{"linux.maskedPaths", &Spec::masked_paths, kOmitDefault},
      Field{"linux.readonlyPaths", &Spec::readonly_paths, kOmitDefault},
      Field{"linux.sysctl", &Spec::sysctl, kOmitDefault},
      Field{"linux.devices", &Spec::devices, kOmitDefault},
      Field{"linux.seccomp", &Spec::seccomp},
      Field{"annotations", &Spec::annotations, kOmitDefault},
      Field{"hooks", &Spec::hooks, kOmitDefault},
  };
};

template <>
struct Schema<Process> {
  static constexpr std::tuple fields{
      Field{"terminal", &Process::terminal},
      Field{"user", &Process::user},
      Field{"args", &Process::args},
      Field{"env", &Process::env},
      Field{"cwd", &Process::cwd, kAbsolute},
      Field{"consoleSize", &Process::console_size},
      Field{"capabilities", &Process::capabilities},
      Field{"noNewPrivileges", &Process::no_new_privileges, kOmitDefault},
      Field{"rlimits", &Process::rlimits, kOmitDefault},
      Field{"oomScoreAdj", &Process::oom_score_adj},
  };
};

template <>
struct Schema<User> {
  static constexpr std::tuple fields{
      Field{"uid", &User::uid},
      Field{"gid", &User::gid},
      Field{"additionalGids", &User::additional_gids},
      Field{"umask", &User::umask},
  };
};

template <>
struct Schema<ConsoleSize> {
  static constexpr std::tuple fields{
      Field{"height", &ConsoleSize::height, kRequired},
      Field{"width", &ConsoleSize::width, kRequired},
  };
};

template <>
struct Schema<Capabilities> {
  static constexpr std::tuple fields{
      Field{"bounding", &Capabilities::bounding},       Field{"effective", &Capabilities::effective},
      Field{"inheritable", &Capabilities::inheritable}, Field{"permitted", &Capabilities::permitted},
      Field{"ambient", &Capabilities::ambient},
  };
};

template <>
struct Schema<Rlimit> {
  static constexpr std::tuple fields{
      Field{"type", &Rlimit::type, kRequired},
      Field{"hard", &Rlimit::hard, kRequired},
      Field{"soft", &Rlimit::soft, kRequired},
  };
};

template <>
struct Schema<Mount> {
  static constexpr std::tuple fields{
      Field{"destination", &Mount::destination, kRequired | kAbsolute},
      Field{"type", &Mount::type},
      Field{"source", &Mount::source},
      Field{"options", &Mount::options, kOmitDefault},
  };
};

template <>
struct Schema<Namespace> {
  static constexpr std::tuple fields{
      Field{"type", &Namespace::type, kRequired},
      Field{"path", &Namespace::path, kOmitDefault},
  };
};

template <>
struct Schema<IdMapping> {
  static constexpr std::tuple fields{
      Field{"containerID", &IdMapping::container_id, kRequired},
      Field{"hostID", &IdMapping::host_id, kRequired},
      Field{"size", &IdMapping::size, kRequired},
  };
};

template <>
struct Schema<Resources> {
  static constexpr std::tuple fields{
      Field{"devices", &Resources::devices, kOmitDefault},
      Field{"memory.limit", &Resources::memory_limit},
      Field{"memory.reservation", &Resources::memory_reservation},
      Field{"memory.swap", &Resources::memory_swap},
      Field{"pids.limit", &Resources::pids_limit},
      Field{"cpu.quota", &Resources::cpu_quota},
      Field{"cpu.period", &Resources::cpu_period},
      Field{"memory.kernel", &Resources::memory_kernel},
      Field{"memory.kernelTCP", &Resources::memory_kernel_tcp},
      Field{"memory.swappiness", &Resources::memory_swappiness},
      Field{"memory.disableOOMKiller", &Resources::disable_oom_killer},
      Field{"memory.useHierarchy", &Resources::use_hierarchy},
      Field{"memory.checkBeforeUpdate", &Resources::check_before_update},
      Field{"cpu.shares", &Resources::cpu_shares},
      Field{"cpu.cpus", &Resources::cpuset_cpus, kOmitDefault},
      Field{"cpu.mems", &Resources::cpuset_mems, kOmitDefault},
      Field{"blockIO", &Resources::block_io, kOmitDefault},
      Field{"hugepageLimits", &Resources::hugepage_limits, kOmitDefault},
      Field{"network.classID", &Resources::net_class_id},
      Field{"network.priorities", &Resources::net_priorities, kOmitDefault},
  };
};

template <>
struct Schema<BlockIO> {
  static constexpr std::tuple fields{
      Field{"weight", &BlockIO::weight},
      Field{"leafWeight", &BlockIO::leaf_weight},
      Field{"weightDevice", &BlockIO::weight_device, kOmitDefault},
      Field{"throttleReadBpsDevice", &BlockIO::throttle_read_bps, kOmitDefault},
      Field{"throttleWriteBpsDevice", &BlockIO::throttle_write_bps, kOmitDefault},
      Field{"throttleReadIOPSDevice", &BlockIO::throttle_read_iops, kOmitDefault},
      Field{"throttleWriteIOPSDevice", &BlockIO::throttle_write_iops, kOmitDefault},
  };
};

template <>
struct Schema<WeightDevice> {
  static constexpr std::tuple fields{
      Field{"major", &WeightDevice::major, kRequired},
      Field{"minor", &WeightDevice::minor, kRequired},
      Field{"weight", &WeightDevice::weight},
      Field{"leafWeight", &WeightDevice::leaf_weight},
  };
};

template <>
struct Schema<ThrottleDevice> {
  static constexpr std::tuple fields{
      Field{"major", &ThrottleDevice::major, kRequired},
      Field{"minor", &ThrottleDevice::minor, kRequired},
      Field{"rate", &ThrottleDevice::rate, kRequired},
  };
};

template <>
struct Schema<HugepageLimit> {
  static constexpr std::tuple fields{
      Field{"pageSize", &HugepageLimit::page_size, kRequired},
      Field{"limit", &HugepageLimit::limit, kRequired},
  };
};

template <>
struct Schema<InterfacePriority> {
  static constexpr std::tuple fields{
      Field{"name", &InterfacePriority::name, kRequired},
      Field{"priority", &InterfacePriority::priority, kRequired},
  };
};

template <>
struct Schema<DeviceRule> {
  static constexpr std::tuple fields{
      Field{"allow", &DeviceRule::allow, kRequired},
      Field{"type", &DeviceRule::type},
      Field{"access", &DeviceRule::access},
      Field{"major", &DeviceRule::major, kOmitDefault},
      Field{"minor", &DeviceRule::minor, kOmitDefault},
  };
};

template <>
struct Schema<Device> {
  static constexpr std::tuple fields{
      Field{"path", &Device::path, kRequired | kAbsolute},
      Field{"type", &Device::type, kRequired},
      Field{"major", &Device::major},
      Field{"minor", &Device::minor},
      Field{"fileMode", &Device::file_mode},
      Field{"uid", &Device::uid},
      Field{"gid", &Device::gid},
  };
};

// The hook kinds, in the order the lifecycle runs them.
template <>
struct Schema<Hooks> {
  static constexpr std::tuple fields{
      Field{"prestart", &Hooks::prestart, kOmitDefault},
      Field{"createRuntime", &Hooks::create_runtime, kOmitDefault},
      Field{"createContainer", &Hooks::create_container, kOmitDefault},
      Field{"startContainer", &Hooks::start_container, kOmitDefault},
      Field{"poststart", &Hooks::poststart, kOmitDefault},
      Field{"poststop", &Hooks::poststop, kOmitDefault},
  };
};

template <>
struct Schema<Hook> {
  static constexpr std::tuple fields{
      Field{"path", &Hook::path, kRequired | kAbsolute},
      Field{"args", &Hook::args, kOmitDefault},
      Field{"env", &Hook::env, kOmitDefault},
      Field{"timeout", &Hook::timeout},
  };
};

// linux.seccomp's keys in alphabetical order, as runc and engines write them.
template <>
struct Schema<SeccompProfile> {
  static constexpr std::tuple fields{
      Field{"architectures", &SeccompProfile::architectures, kOmitDefault},
      Field{"defaultAction", &SeccompProfile::default_action, kRequired},
      Field{"defaultErrnoRet", &SeccompProfile::default_errno_ret},
      Field{"flags", &SeccompProfile::flags, kOmitDefault},
      Field{"syscalls", &SeccompProfile::syscalls, kOmitDefault},
  };
};

template <>
struct Schema<SeccompRule> {
  static constexpr std::tuple fields{
      Field{"action", &SeccompRule::action, kRequired},
      Field{"args", &SeccompRule::args, kOmitDefault},
      Field{"errnoRet", &SeccompRule::errno_ret},
      Field{"names", &SeccompRule::names},
  };
};

template <>
struct Schema<SeccompArg> {
  static constexpr std::tuple fields{
      Field{"index", &SeccompArg::index, kRequired},
      Field{"op", &SeccompArg::op, kRequired},
      Field{"value", &SeccompArg::value},
      Field{"valueTwo", &SeccompArg::value_two},
  };
};

// Calls f(row) for every row of S's table.
template <typename S, typename F>
void for_each_field(F&& f) {
  std::apply([&](const auto&... row) { (f(row), ...); }, Schema<S>::fields);
}

// What the walkers of the tables (spec.cpp, spec_support.cpp) tell apart in a member's type.
template <typename T> struct is_optional : std::false_type {};
template <typename T> struct is_optional<std::optional<T>> : std::true_type {};
template <typename T> struct is_vector : std::false_type {};
template <typename T> struct is_vector<std::vector<T>> : std::true_type {};
template <typename T> struct is_map : std::false_type {};
template <typename K, typename V> struct is_map<std::map<K, V>> : std::true_type {};
template <typename T> concept Described = requires { Schema<T>::fields; };
template <typename T> concept ListOfDescribed = is_vector<T>::value && Described<typename T::value_type>;
template <typename T> concept IntegerList = is_vector<T>::value && std::is_integral_v<typename T::value_type>;

}  // namespace minirun
