#include "state/seccomp_cache.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "base/files.hpp"
#include "base/log.hpp"
#include "spec/spec.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <optional>

namespace minirun {

namespace {

constexpr size_t kDigestLine = 65;  // 64 hex digits and a newline

std::string kernel_release() {
  utsname host{};
  ::uname(&host);
  return host.release;
}

// The file: the SHA-256 of the program, a newline, then the program as the kernel takes it.
std::string file_text(const SeccompProgram& program) {
  std::string bytes(reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter));
  return sha256_hex(bytes) + "\n" + bytes;
}

std::optional<SeccompProgram> program_in(const std::string& text) {
  if (text.size() <= kDigestLine || text[kDigestLine - 1] != '\n') return std::nullopt;
  std::string_view bytes(text.data() + kDigestLine, text.size() - kDigestLine);
  if (bytes.size() % sizeof(sock_filter) != 0 || bytes.size() / sizeof(sock_filter) > BPF_MAXINSNS) return std::nullopt;
  if (sha256_hex(bytes) != std::string_view(text).substr(0, kDigestLine - 1)) return std::nullopt;
  SeccompProgram program(bytes.size() / sizeof(sock_filter));
  std::memcpy(program.data(), bytes.data(), bytes.size());
  return program;
}

}  // namespace

std::string seccomp_cache_file(const StateRoot& root, const SeccompProfile& profile) {
  std::string build = own_build_id();
  if (build.empty()) return "";  // nothing would tell this build's programs from another's
  std::string key = "minirun seccomp 1\n" + build + "\n" + libseccomp_version() + "\n" + kernel_release() + "\n";
  return root.path() + "/.seccomp/" + sha256_hex(key + to_text(profile));
}

SeccompProgram seccomp_program(const StateRoot& root, const SeccompProfile& profile) {
  std::string file = seccomp_cache_file(root, profile);
  if (file.empty()) return compile_seccomp(profile);
  if (auto text = read_file_if_any(file)) {
    if (auto program = program_in(*text)) return *program;
    log_debug("seccomp: " + file + " does not hold the program it names; compiling it again");
  }
  SeccompProgram program = compile_seccomp(profile);
  std::vector<std::string> made;
  try {
    made = make_directories(file.substr(0, file.rfind('/')), 0700);
    write_file(file, file_text(program));
  } catch (const Error& e) {  // a cache: the container does not need it, and nothing is left of it
    for (const auto& dir : made) ::rmdir(dir.c_str());
    log_debug(std::string("seccomp: not kept: ") + e.what());
  }
  return program;
}

}  // namespace minirun
