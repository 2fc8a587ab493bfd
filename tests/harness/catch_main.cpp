// The one Catch2 main shared by every test executable (compiled once: catch.hpp is slow to build).
//
// Adds `--stage NAME`: which stage of the isolation matrix the selected test cases run against.
// With no test case named, `--stage NAME` selects every row of the matrix that applies to NAME.
// Makes this process a child subreaper, so that a process a stage fails to clean up is re-parented
// to the test instead of init, where LeakGuard finds it.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "session.hpp"

#include <sys/prctl.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  Catch::Session session;
  std::string stage;
  using Catch::clara::Opt;
  session.cli(session.cli() | Opt(stage, "name")["--stage"]("the stage of the isolation matrix to test"));
  if (int status = session.applyCommandLine(argc, argv); status != 0) return status;
  harness::set_stage_option(stage);
  if (!stage.empty()) {
    auto provider = harness::stage_spec_provider();
    std::string spec = provider ? provider(stage) : "";
    if (spec.empty()) {
      std::fprintf(stderr, "%s: unknown stage '%s' (see tests/README.md)\n", argv[0], stage.c_str());
      return 2;
    }
    if (session.configData().testsOrTags.empty()) {
      Catch::ConfigData config = session.configData();
      config.testsOrTags.push_back(spec);
      session.useConfigData(config);
    }
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) std::perror("prctl(PR_SET_CHILD_SUBREAPER)");
  return session.run();
}
