// What the shared Catch2 main knows about this run: the stage chosen with --stage, and skipping.
#pragma once

#include <string>

namespace harness {

// ctest treats this exit status as "skipped": tests/CMakeLists.txt sets it as SKIP_RETURN_CODE of
// every test and passes the same number here.
#ifndef HARNESS_SKIP_RETURN_CODE
#define HARNESS_SKIP_RETURN_CODE 77
#endif
inline constexpr int kSkipReturnCode = HARNESS_SKIP_RETURN_CODE;

// The value of --stage NAME on the command line (empty when none was given).
const std::string& stage_option();
void set_stage_option(const std::string& name);

// The test executable that knows stages (the isolation matrix) tells the main which test cases
// apply to a stage, as a Catch2 test spec. With --stage NAME and no test cases named on the command
// line, the main runs those. An unknown stage gives an empty spec.
using StageSpecProvider = std::string (*)(const std::string& stage);
void set_stage_spec_provider(StageSpecProvider provider);
StageSpecProvider stage_spec_provider();

// Ends the test run as SKIPPED, after one line saying why. Catch2 v2 has no skip of its own, so this
// exits the process; ctest runs one test case per process, so only this test case is affected.
[[noreturn]] void skip(const std::string& why);

// Skips the test unless it runs as root (the stages create namespaces, mounts and cgroups).
void require_root();

}  // namespace harness
