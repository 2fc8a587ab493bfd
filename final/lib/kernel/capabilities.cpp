#include "kernel/capabilities.hpp"

#include "base/error.hpp"
#include "base/files.hpp"
#include "spec/linux_names.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace minirun {

namespace {


// The highest capability this kernel has; a newer name in a spec is skipped on an older kernel.
int last_capability() {
  static int last = [] {
    int value = static_cast<int>(capability_names().size()) - 1;
    std::string text = read_file_if_any("/proc/sys/kernel/cap_last_cap").value_or("");
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }();
  return last;
}

// A set as capset() wants it: two 32-bit words.
struct Mask {
  uint32_t word[2] = {0, 0};
  void add(int cap) { word[cap / 32] |= 1U << (cap % 32); }
  bool has(int cap) const { return word[cap / 32] & (1U << (cap % 32)); }
};

Mask mask_of(const std::vector<std::string>& names) {
  Mask mask;
  for (const auto& name : names) {
    int cap = capability_number(name);
    if (cap <= last_capability()) mask.add(cap);
  }
  return mask;
}

void drop_bounding(const Mask& keep) {
  for (int cap = 0; cap <= last_capability(); ++cap) {
    if (!keep.has(cap)) check(::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "prctl(PR_CAPBSET_DROP)", capability_name(cap));
  }
}

void set_sets(const Mask& effective, const Mask& permitted, const Mask& inheritable) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) data[i] = {effective.word[i], permitted.word[i], inheritable.word[i]};
  check(::syscall(SYS_capset, &header, data), "capset");
}

// Ambient capabilities must also be permitted and inheritable; the kernel checks that here.
void raise_ambient(const std::vector<std::string>& names) {
  check(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  for (const auto& name : names) {
    int cap = capability_number(name);
    if (cap > last_capability()) continue;
    check(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0), "prctl(PR_CAP_AMBIENT_RAISE)", name);
  }
}

}  // namespace

void limit_bounding_set(const Capabilities& caps) {
  drop_bounding(mask_of(caps.bounding));
  check(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
}

void apply_capabilities(const Capabilities& caps) {
  set_sets(mask_of(caps.effective), mask_of(caps.permitted), mask_of(caps.inheritable));
  raise_ambient(caps.ambient);
}

}  // namespace minirun
