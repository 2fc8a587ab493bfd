// sysfs-call: calls sysfs(2) (option 3: how many file system types the kernel knows), a harmless
// call that any user may make and that podman's default seccomp profile denies. Prints the
// number, or the errno's name when the call failed; exit 0 either way, 2 on usage.
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char**) {
  if (argc != 1) {
    std::fputs("usage: sysfs-call\n", stderr);
    return 2;
  }
  long count = ::syscall(SYS_sysfs, 3);
  if (count == -1) {
    const char* name = strerrorname_np(errno);
    std::printf("%s\n", name ? name : "unknown errno");
  } else {
    std::printf("%ld\n", count);
  }
  return 0;
}
