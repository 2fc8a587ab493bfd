// libFuzzer target: arbitrary bytes into minirun's two JSON parsers, config.json (parse_spec) and
// the process object of `exec --process` (parse_process). Each input goes to both.
//
// A parser may accept the input or refuse it with minirun::Error, the one clean refusal the CLI
// turns into "minirun: <verb>: ...". Anything else is a finding: another exception, a crash, or a
// report of AddressSanitizer or UndefinedBehaviorSanitizer.
//
// One property more: what minirun writes for an accepted config (to_text, saved in the state
// directory at `create`) is what `start` and `exec` read back, so it must parse again and give
// the same text.
#include "base/error.hpp"
#include "spec/spec.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

// libFuzzer saves the input and stops when the target aborts.
[[noreturn]] void report_finding(const char* where, const std::string& what) {
  std::fprintf(stderr, "spec_fuzzer: finding in %s: %s\n", where, what.c_str());
  std::abort();
}

void check_round_trip(const minirun::Spec& spec) {
  std::string written = minirun::to_text(spec);
  std::string read_back;
  try {
    read_back = minirun::to_text(minirun::parse_spec(written));
  } catch (const minirun::Error& e) {
    report_finding("parse_spec(to_text(spec))", std::string("refuses what minirun wrote: ") + e.what());
  }
  if (read_back != written) {
    report_finding("to_text", "the config minirun wrote reads back differently:\n" + written + "\n---\n" + read_back);
  }
}

// Runs `parse`; a minirun::Error is a clean refusal, any other exception a finding.
template <typename Parse>
void parse_or_refuse(const char* where, Parse parse) {
  try {
    parse();
  } catch (const minirun::Error&) {
    return;
  } catch (const std::exception& e) {
    report_finding(where, std::string("exception other than minirun::Error: ") + e.what());
  } catch (...) {
    report_finding(where, "exception of an unknown type");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  parse_or_refuse("parse_spec", [&] { check_round_trip(minirun::parse_spec(text)); });
  parse_or_refuse("parse_process", [&] { minirun::parse_process(text); });
  return 0;
}
