#include "kernel/sysctl.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace minirun {

void apply_sysctl(const std::map<std::string, std::string>& settings) {
  for (const auto& [key, value] : settings) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!file.valid()) throw Error("open", path, errno);
    check(::write(file.get(), value.data(), value.size()), "write", path);
  }
}

}  // namespace minirun
