#include "base/files.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"

#include <fcntl.h>
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

}  // namespace

void write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
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

}  // namespace minirun
