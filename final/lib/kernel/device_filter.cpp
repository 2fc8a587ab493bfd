#include "kernel/device_filter.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"

#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace minirun {

namespace {

// One eBPF instruction, laid out as the kernel reads it (struct bpf_insn).
struct BpfInstruction {
  uint8_t code;
  uint8_t registers;  // destination in the low 4 bits, source in the high 4
  int16_t offset;
  int32_t immediate;
};

// Registers: r1 holds the context (struct bpf_cgroup_dev_ctx) on entry; the prologue loads its
// fields into r2 (device type), r3 (access asked for), r4 (major) and r5 (minor); r1 is then free
// for scratch work; r0 is the answer.
enum Register : uint8_t { r0 = 0, r1, r2, r3, r4, r5 };

BpfInstruction insn(uint8_t code, uint8_t dst, uint8_t src, int16_t offset, int32_t immediate) {
  return {code, static_cast<uint8_t>(dst | (src << 4)), offset, immediate};
}
BpfInstruction load_word(uint8_t dst, int16_t field_offset) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, r1, field_offset, 0); }
BpfInstruction alu32(uint8_t op, uint8_t dst, int32_t value) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, value); }
BpfInstruction jump_if_not_equal(uint8_t dst, int32_t value, int16_t skip) { return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, skip, value); }
BpfInstruction move_register(uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
BpfInstruction move_value(uint8_t dst, int32_t value) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, value); }
BpfInstruction exit_program() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

std::vector<BpfInstruction> prologue() {
  return {load_word(r2, offsetof(bpf_cgroup_dev_ctx, access_type)), alu32(BPF_AND, r2, 0xFFFF),
          load_word(r3, offsetof(bpf_cgroup_dev_ctx, access_type)), alu32(BPF_RSH, r3, 16),
          load_word(r4, offsetof(bpf_cgroup_dev_ctx, major)),       load_word(r5, offsetof(bpf_cgroup_dev_ctx, minor))};
}

int32_t access_mask(const std::string& access) {
  int32_t mask = 0;
  if (access.find('m') != std::string::npos) mask |= BPF_DEVCG_ACC_MKNOD;
  if (access.find('r') != std::string::npos) mask |= BPF_DEVCG_ACC_READ;
  if (access.find('w') != std::string::npos) mask |= BPF_DEVCG_ACC_WRITE;
  return mask;
}

// The tests of one rule, each jumping over the rest of the block when it fails; then the verdict.
// The jump offsets count the instructions still to come in the block, so they are filled in last.
std::vector<BpfInstruction> rule_block(const DeviceRule& rule) {
  std::vector<BpfInstruction> tests;
  if (rule.type != "a") tests.push_back(jump_if_not_equal(r2, rule.type == "b" ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0));
  int32_t mask = access_mask(rule.access);
  if (mask != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)) {
    // Every access asked for must be in the rule: (asked & ~mask) == 0.
    tests.push_back(move_register(r1, r3));
    tests.push_back(alu32(BPF_AND, r1, ~mask));
    tests.push_back(jump_if_not_equal(r1, 0, 0));
  }
  if (rule.type != "a" && rule.major >= 0) tests.push_back(jump_if_not_equal(r4, static_cast<int32_t>(rule.major), 0));
  if (rule.type != "a" && rule.minor >= 0) tests.push_back(jump_if_not_equal(r5, static_cast<int32_t>(rule.minor), 0));
  tests.push_back(move_value(r0, rule.allow ? 1 : 0));
  tests.push_back(exit_program());
  for (size_t i = 0; i < tests.size(); ++i) {
    if (tests[i].code == (BPF_JMP | BPF_JNE | BPF_K)) tests[i].offset = static_cast<int16_t>(tests.size() - 1 - i);
  }
  return tests;
}

long bpf(int command, bpf_attr& attr) { return ::syscall(SYS_bpf, command, &attr, sizeof attr); }

Fd load_program(const std::vector<BpfInstruction>& program) {
  static const char license[] = "GPL";
  char log[4096] = {};
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uint64_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uint64_t>(license);
  attr.log_buf = reinterpret_cast<uint64_t>(log);
  attr.log_size = sizeof log;
  attr.log_level = 1;
  Fd prog(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
  if (!prog.valid()) throw Error("bpf(BPF_PROG_LOAD) device filter: " + std::string(std::strerror(errno)) + " " + log);
  return prog;
}

std::vector<BpfInstruction> device_filter_program(const std::vector<DeviceRule>& rules) {
  std::vector<BpfInstruction> program = prologue();
  for (auto rule = rules.rbegin(); rule != rules.rend(); ++rule) {
    auto block = rule_block(*rule);
    program.insert(program.end(), block.begin(), block.end());
    // A rule with no test ("a", all access) always answers: the verifier refuses code after it.
    if (block.size() == 2) return program;
  }
  program.push_back(move_value(r0, 1));
  program.push_back(exit_program());
  return program;
}

}  // namespace

void attach_device_filter(const std::string& dir, const std::vector<DeviceRule>& rules) {
  static_assert(sizeof(BpfInstruction) == sizeof(bpf_insn));
  Fd prog = load_program(device_filter_program(rules));
  Fd cgroup(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup.valid()) throw Error("open", dir, errno);
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(cgroup.get());
  attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  check(bpf(BPF_PROG_ATTACH, attr), "bpf(BPF_PROG_ATTACH) device filter", dir);
}

}  // namespace minirun
