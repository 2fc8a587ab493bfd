// A seccomp profile (spec/seccomp.hpp) turned by libseccomp into the BPF program the kernel runs on
// every system call: compiled while the container is set up (errors reach `create`), loaded at the
// last moment before exec (it may forbid calls minirun itself still makes).
#pragma once

#include "spec/seccomp.hpp"

#include <string>

namespace minirun {

class SeccompFilter {
 public:
  explicit SeccompFilter(const SeccompProfile& profile);
  ~SeccompFilter();
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  void load() const;

 private:
  void* ctx_ = nullptr;  // scmp_filter_ctx
};

// "2.5.4": the libseccomp this build runs with (for `features` and --version).
std::string libseccomp_version();

}  // namespace minirun
