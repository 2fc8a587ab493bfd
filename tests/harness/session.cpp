#include "session.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace harness {

namespace {
std::string& stage_storage() {
  static std::string name;
  return name;
}

StageSpecProvider& provider_storage() {
  static StageSpecProvider provider = nullptr;
  return provider;
}
}  // namespace

const std::string& stage_option() { return stage_storage(); }

void set_stage_option(const std::string& name) { stage_storage() = name; }

void set_stage_spec_provider(StageSpecProvider provider) { provider_storage() = provider; }

StageSpecProvider stage_spec_provider() { return provider_storage(); }

void skip(const std::string& why) {
  std::cout << "SKIPPED: " << Catch::getResultCapture().getCurrentTestName() << ": " << why << std::endl;
  std::_Exit(kSkipReturnCode);
}

void require_root() {
  if (geteuid() != 0) skip("needs root (uid 0) to create namespaces, mounts and cgroups; running as uid " +
                           std::to_string(geteuid()));
}

}  // namespace harness
