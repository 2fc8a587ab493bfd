// What minirun names by content: a SHA-256, with Nettle (Debian's nettle-dev), and the build id the
// linker wrote into minirun's own binary.
#pragma once

#include <string>
#include <string_view>

namespace minirun {

// The SHA-256 of `data`, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

// The SHA-256 of what is left to read from `fd`, read to its end.
std::string sha256_hex_of_fd(int fd, const std::string& path);

// The GNU build id of the running program (ld --build-id), in hex; empty when it has none.
std::string own_build_id();

}  // namespace minirun
