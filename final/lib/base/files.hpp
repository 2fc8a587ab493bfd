// Whole files minirun reads and writes: state.json, the effective config.json, pid files, the
// config.json of `minirun spec`, and the kernel's files under /proc and /sys/fs/cgroup. With read(2)
// and write(2): a stream would bring a buffer and a locale for each, and a kernel file's write must
// reach the kernel in one system call, whose errno is the answer.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace minirun {

// Writes a temporary file next to `path` (named for the writing process) and renames it over `path`:
// a reader sees the old or the new file, never half of one. A full file system fails the write (ENOSPC) and the temporary goes.
void write_file(const std::string& path, const std::string& text);

// Creates `path` holding `text`; an Error if something of that name exists already.
void write_new_file(const std::string& path, const std::string& text);

// Writes `text` into a file that exists, in one write(2): a kernel file (cgroup.procs, memory.max,
// oom_score_adj) checks the value there, and refuses it with the write's errno.
void write_kernel_file(const std::string& path, const std::string& text);

// The whole of `path`; an Error naming "open" or "read", the path and errno if it cannot be read.
std::string read_file(const std::string& path);

// What is left to read of an open file (one whose content was checked through that fd, say).
std::string read_rest(int fd, const std::string& path);

// read_file, or nothing when it cannot be read (a process that has gone, a file that is optional).
std::optional<std::string> read_file_if_any(const std::string& path);

// The names in a directory, without "." and ".."; none when it cannot be read.
std::vector<std::string> names_in(const std::string& dir);

// mkdir -p, the leaf first (its parents usually exist, and then one mkdir is all it takes), each
// directory made with `mode` less the umask. Returns those it made, parents first: none when `path`
// existed already.
std::vector<std::string> make_directories(const std::string& path, mode_t mode = 0777);

// rm -r: the tree at `path`, its symlinks removed, never followed; nothing to do if it is gone.
void remove_tree(const std::string& path);

}  // namespace minirun
