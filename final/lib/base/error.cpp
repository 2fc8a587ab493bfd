#include "base/error.hpp"

#include <cerrno>
#include <cstring>

namespace minirun {

namespace {

std::string describe(const std::string& operation, const std::string& path, int err) {
  std::string text = path.empty() ? operation : operation + " " + path;
  return text + ": " + std::strerror(err);
}

}  // namespace

Error::Error(const std::string& message) : std::runtime_error(message) {}

Error::Error(const std::string& operation, const std::string& path, int err)
    : std::runtime_error(describe(operation, path, err)) {}

long check(long result, const std::string& operation, const std::string& path) {
  if (result == -1) throw Error(operation, path, errno);
  return result;
}

}  // namespace minirun
