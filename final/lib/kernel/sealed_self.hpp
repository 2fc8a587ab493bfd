// Keeping the host's minirun binary out of a container's reach (the class of CVE-2019-5736).
//
// Between fork and exec, the processes minirun puts into a container (the init during `create`,
// waiting for `start`; the process `exec` forks) still run minirun's code, so their
// /proc/PID/exe names minirun's binary, and the kernel lets whoever can open that link open the
// file itself, even from inside the container. Open it with O_PATH while the process runs, reopen
// the descriptor through /proc/self/fd/N for writing once it has moved on, and the host's binary
// can be overwritten: the next `minirun` a host user runs is the container's program, as root.
// A script whose first line is `#!/proc/self/exe` is the same door: the kernel runs the caller's
// own binary as its interpreter.
//
// Two locks, taken once per command that enters containers (create, run, exec), before anything
// else is done:
//   - minirun re-executes itself from a read-only view of its binary, so /proc/self/exe (and so
//     every /proc/PID/exe of its children) names a file that cannot be written by anyone: the
//     binary seen through an overlay mount made only of read-only layers and never attached
//     anywhere (no copy, ~0.3 ms), or, where such a mount cannot be made, a copy in a memfd
//     sealed against writing, growing and shrinking (a copy of the whole binary);
//   - the process is made non-dumpable, which refuses /proc/PID/exe (and ptrace, /proc/PID/mem)
//     to a container without CAP_SYS_PTRACE; the exec of the container's program makes it
//     dumpable again, as that program's own.
#pragma once

#include "base/fd.hpp"

#include <string>

namespace minirun {

// Returns at once when /proc/self/exe is already a sealed view; otherwise re-executes `argv` from
// one (and so returns only in the re-executed process). Then makes the process non-dumpable.
void run_from_sealed_self(char** argv);

// The two kinds of view, and the test that tells one (used by the tests as well).
// `binary` is a path to the file (the overlay needs its directory).
Fd read_only_overlay_view(const std::string& binary);
Fd sealed_memfd_copy(const Fd& binary);
// True for a memfd with the write, grow, shrink and seal seals, or a file on a read-only overlay.
bool is_sealed(const Fd& file);

}  // namespace minirun
