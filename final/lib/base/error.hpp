// The one error type of minirun: what failed (an operation, often a system call), on which path,
// and the errno it failed with. The CLI prints it as one line: "minirun: <verb>: <what>: <strerror>".
#pragma once

#include <stdexcept>
#include <string>

namespace minirun {

class Error : public std::runtime_error {
 public:
  // A failure with no errno behind it (bad input, a wrong state): the message is all there is.
  explicit Error(const std::string& message);
  // A failed operation: "operation path: strerror(err)".
  Error(const std::string& operation, const std::string& path, int err);
};

// Returns `result`, or throws Error(operation, path, errno) when it is -1 (how system calls fail).
long check(long result, const std::string& operation, const std::string& path = "");

}  // namespace minirun
