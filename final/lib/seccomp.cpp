#include "seccomp.hpp"

#include "error.hpp"
#include "json_integer.hpp"

#include <nlohmann/json.hpp>
#include <seccomp.h>

#include <cerrno>

namespace minirun {

namespace {

using nlohmann::json;

const std::pair<const char*, scmp_compare> kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};

const std::pair<const char*, const char*> kArchitectures[] = {
    {"SCMP_ARCH_X86", "x86"},         {"SCMP_ARCH_X86_64", "x86_64"},   {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_ARM", "arm"},         {"SCMP_ARCH_AARCH64", "aarch64"}, {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPS64", "mips64"},   {"SCMP_ARCH_MIPSEL", "mipsel"},   {"SCMP_ARCH_MIPSEL64", "mipsel64"},
    {"SCMP_ARCH_PPC", "ppc"},         {"SCMP_ARCH_PPC64", "ppc64"},     {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_S390", "s390"},       {"SCMP_ARCH_S390X", "s390x"},     {"SCMP_ARCH_RISCV64", "riscv64"}};

const char* const kActions[] = {"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                                "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};

// The errno a rule returns when it names none: EPERM, as runc does.
uint32_t action_code(const std::string& name, std::optional<unsigned> errno_ret) {
  uint16_t ret = static_cast<uint16_t>(errno_ret.value_or(EPERM));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  throw Error("invalid field \"linux.seccomp\": unknown action \"" + name + "\"");
}

scmp_compare operator_code(const std::string& name) {
  for (const auto& [spec_name, code] : kOperators) {
    if (name == spec_name) return code;
  }
  throw Error("invalid field \"linux.seccomp.syscalls[].args[].op\": unknown operator \"" + name + "\"");
}

uint32_t arch_code(const std::string& name) {
  for (const auto& [spec_name, lib_name] : kArchitectures) {
    if (name != spec_name) continue;
    uint32_t arch = ::seccomp_arch_resolve_name(lib_name);
    if (arch != 0) return arch;
  }
  throw Error("invalid field \"linux.seccomp.architectures\": unknown architecture \"" + name + "\"");
}

SeccompRule parse_rule(const json& object) {
  SeccompRule rule;
  rule.names = object.value("names", std::vector<std::string>{});
  rule.action = object.at("action").get<std::string>();
  if (object.contains("errnoRet")) {
    rule.errno_ret = get_integer<unsigned>(object.at("errnoRet"), "linux.seccomp.syscalls[].errnoRet");
  }
  for (const auto& arg : object.value("args", json::array())) {
    const std::string path = "linux.seccomp.syscalls[].args[].";
    rule.args.push_back({get_integer<unsigned>(arg.at("index"), path + "index"),
                         get_integer<uint64_t>(arg.value("value", json(0)), path + "value"),
                         get_integer<uint64_t>(arg.value("valueTwo", json(0)), path + "valueTwo"),
                         arg.at("op").get<std::string>()});
  }
  return rule;
}

// Checks every name now, so that a wrong profile fails `create`, not the container's exec.
void check_names(const SeccompProfile& profile) {
  action_code(profile.default_action, profile.default_errno_ret);
  for (const auto& arch : profile.architectures) arch_code(arch);
  if (!profile.flags.empty()) throw Error("unsupported field \"linux.seccomp.flags\"");
  for (const auto& rule : profile.syscalls) {
    action_code(rule.action, rule.errno_ret);
    for (const auto& arg : rule.args) operator_code(arg.op);
  }
}

void add_rule(scmp_filter_ctx ctx, const SeccompRule& rule, uint32_t default_action) {
  uint32_t action = action_code(rule.action, rule.errno_ret);
  if (action == default_action) return;  // libseccomp refuses a rule that changes nothing
  std::vector<scmp_arg_cmp> args;
  for (const auto& a : rule.args) args.push_back({a.index, operator_code(a.op), a.value, a.value_two});
  for (const auto& name : rule.names) {
    // A syscall this libseccomp or architecture does not know cannot be called either: skipped,
    // as runc and crun do, so that one profile serves several kernels.
    int number = ::seccomp_syscall_resolve_name(name.c_str());
    if (number == __NR_SCMP_ERROR) continue;
    int rc = ::seccomp_rule_add_array(ctx, action, number, static_cast<unsigned>(args.size()), args.data());
    if (rc < 0) throw Error("seccomp_rule_add", name, -rc);
  }
}

}  // namespace

SeccompProfile parse_seccomp(const std::string& text) {
  SeccompProfile profile;
  try {
    json doc = json::parse(text);
    profile.default_action = doc.at("defaultAction").get<std::string>();
    if (doc.contains("defaultErrnoRet")) {
      profile.default_errno_ret = get_integer<unsigned>(doc.at("defaultErrnoRet"), "linux.seccomp.defaultErrnoRet");
    }
    profile.architectures = doc.value("architectures", std::vector<std::string>{});
    profile.flags = doc.value("flags", std::vector<std::string>{});
    for (const auto& rule : doc.value("syscalls", json::array())) profile.syscalls.push_back(parse_rule(rule));
  } catch (const json::exception& e) {
    std::string reason = e.what();
    throw Error("invalid field \"linux.seccomp\": " + reason.substr(reason.find(']') + 2));
  }
  check_names(profile);
  return profile;
}

SeccompFilter::SeccompFilter(const SeccompProfile& profile) {
  uint32_t default_action = action_code(profile.default_action, profile.default_errno_ret);
  ctx_ = ::seccomp_init(default_action);
  if (!ctx_) throw Error("seccomp_init", "", EINVAL);
  // no_new_privs is the spec's process.noNewPrivileges to decide, not libseccomp's.
  int rc = ::seccomp_attr_set(ctx_, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) throw Error("seccomp_attr_set", "SCMP_FLTATR_CTL_NNP", -rc);
  for (const auto& arch : profile.architectures) {
    rc = ::seccomp_arch_add(ctx_, arch_code(arch));
    if (rc < 0 && rc != -EEXIST) throw Error("seccomp_arch_add", arch, -rc);  // EEXIST: the native one
  }
  for (const auto& rule : profile.syscalls) add_rule(ctx_, rule, default_action);
}

SeccompFilter::~SeccompFilter() { ::seccomp_release(ctx_); }

void SeccompFilter::load() const {
  int rc = ::seccomp_load(ctx_);
  if (rc < 0) throw Error("seccomp_load", "", -rc);
}

std::vector<std::string> seccomp_actions() { return {std::begin(kActions), std::end(kActions)}; }

std::vector<std::string> seccomp_operators() {
  std::vector<std::string> names;
  for (const auto& [name, code] : kOperators) names.push_back(name);
  return names;
}

std::vector<std::string> seccomp_architectures() {
  std::vector<std::string> names;
  for (const auto& [name, lib_name] : kArchitectures) names.push_back(name);
  return names;
}

std::string libseccomp_version() {
  const scmp_version* v = ::seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

}  // namespace minirun
