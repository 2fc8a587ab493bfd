#include "base/files.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace minirun {

namespace {

void write_all(int fd, const std::string& text, const std::string& path) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n == -1 && errno == EINTR) continue;
    check(n, "write", path);
    done += static_cast<size_t>(n);
  }
}

// Appends the rest of `fd` to `text`. False when a read failed (errno set).
bool append_rest(int fd, std::string& text) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1) return false;
    if (n == 0) return true;
    text.append(buffer, static_cast<size_t>(n));
  }
}

// Appends all of `path` to `text`. Returns the system call that failed ("open" or "read", errno
// set), or nullptr.
const char* read_all(const std::string& path, std::string& text) {
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) return "open";
  return append_rest(file.get(), text) ? nullptr : "read";
}

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  int result = type == FTW_DP || type == FTW_DNR ? ::rmdir(path) : ::unlink(path);  // DNR: unreadable
  return result == -1 && errno != ENOENT ? -1 : 0;
}

}  // namespace

void write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + "." + std::to_string(::getpid()) + ".tmp";  // two writers of one file: two temporaries
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1) throw Error("open", tmp, errno);
  try {
    write_all(fd, text, tmp);
    check(::close(std::exchange(fd, -1)), "close", tmp);
    check(::rename(tmp.c_str(), path.c_str()), "rename", path);
  } catch (...) {
    if (fd != -1) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
}

void write_new_file(const std::string& path, const std::string& text) {
  Fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!file.valid()) throw Error("create", path, errno);
  write_all(file.get(), text, path);
}

void write_kernel_file(const std::string& path, const std::string& text) {
  Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!file.valid()) throw Error("open", path, errno);
  ssize_t written = ::write(file.get(), text.data(), text.size());
  if (written == -1) throw Error("write " + text + " to", path, errno);
  if (static_cast<size_t>(written) != text.size()) throw Error("write " + text + " to", path, EIO);
}

std::string read_file(const std::string& path) {
  std::string text;
  if (const char* failed = read_all(path, text)) throw Error(failed, path, errno);
  return text;
}

std::string read_rest(int fd, const std::string& path) {
  std::string text;
  if (!append_rest(fd, text)) throw Error("read", path, errno);
  return text;
}

std::optional<std::string> read_file_if_any(const std::string& path) {
  std::string text;
  if (read_all(path, text)) return std::nullopt;
  return text;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  DIR* stream = ::opendir(dir.c_str());
  if (!stream) return names;
  while (const dirent* entry = ::readdir(stream)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(stream);
  return names;
}

std::vector<std::string> make_directories(const std::string& path, mode_t mode) {
  std::vector<std::string> made;
  int result = ::mkdir(path.c_str(), mode);
  size_t slash = path.rfind('/');
  if (result == -1 && errno == ENOENT && slash != std::string::npos && slash > 0) {
    made = make_directories(path.substr(0, slash), mode);
    result = ::mkdir(path.c_str(), mode);
  }
  if (result == 0) made.push_back(path);
  else if (errno != EEXIST) throw Error("mkdir", path, errno);
  return made;
}

void remove_tree(const std::string& path) {
  // FTW_DEPTH: a directory after its contents; FTW_PHYS: a symlink is an entry, not a way out.
  if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) == -1 && errno != ENOENT) {
    throw Error("remove", path, errno);
  }
}

}  // namespace minirun
