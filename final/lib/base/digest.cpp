#include "base/digest.hpp"

#include "base/error.hpp"

#include <elf.h>
#include <link.h>
#include <nettle/sha2.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace minirun {

namespace {

std::string hex(const unsigned char* bytes, size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < size; ++i) {
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 0xf];
  }
  return text;
}

std::string hex_digest(sha256_ctx& context) {
  unsigned char digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context, sizeof digest, digest);
  return hex(digest, sizeof digest);
}

// Notes are 4-byte aligned: a header, the owner's name ("GNU\0"), then the descriptor.
size_t aligned(size_t size) { return (size + 3) & ~size_t{3}; }

std::string build_id_in(const unsigned char* note, size_t size) {
  for (size_t at = 0; at + sizeof(ElfW(Nhdr)) <= size;) {
    ElfW(Nhdr) header;
    std::memcpy(&header, note + at, sizeof header);
    const unsigned char* name = note + at + sizeof header;
    const unsigned char* descriptor = name + aligned(header.n_namesz);
    at += sizeof header + aligned(header.n_namesz) + aligned(header.n_descsz);
    if (at > size) break;
    if (header.n_type == NT_GNU_BUILD_ID && header.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
      return hex(descriptor, header.n_descsz);
    }
  }
  return "";
}

// The first object dl_iterate_phdr reports is the program itself.
int find_build_id(dl_phdr_info* info, size_t, void* found) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_NOTE) continue;
    auto* note = reinterpret_cast<const unsigned char*>(info->dlpi_addr + segment.p_vaddr);
    *static_cast<std::string*>(found) = build_id_in(note, segment.p_memsz);
    if (!static_cast<std::string*>(found)->empty()) break;
  }
  return 1;  // stop after the program
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, data.size(), reinterpret_cast<const uint8_t*>(data.data()));
  return hex_digest(context);
}

std::string sha256_hex_of_fd(int fd, const std::string& path) {
  sha256_ctx context;
  sha256_init(&context);
  char buffer[1 << 16];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (got == -1 && errno == EINTR) continue;
    check(got, "read", path);
    sha256_update(&context, got, reinterpret_cast<const uint8_t*>(buffer));
  }
  return hex_digest(context);
}

std::string own_build_id() {
  std::string found;
  ::dl_iterate_phdr(find_build_id, &found);
  return found;
}

}  // namespace minirun
