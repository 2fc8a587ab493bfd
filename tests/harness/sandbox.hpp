// Sandbox: the test's own mount, UTS and IPC namespaces, standing in for the host's.
//
// On most machines systemd makes "/" a *shared* mount, so a mount made in a new mount namespace
// propagates back to the host unless the container makes its mounts private first (step03's idea).
// On a machine where "/" is private (no systemd) the same mistake goes unnoticed. The sandbox makes
// the mistake visible everywhere without touching the host: the test moves into a copy of the host's
// mount namespace, cuts it off from the host (rprivate), then makes it rshared as systemd does. The
// stages the test starts inherit it; whatever propagates out of a container lands here, where the
// test sees it, and goes away with the sandbox. A stage that forgets its own UTS or IPC namespace
// likewise renames the sandbox, or makes its message queues there, never the host's.
#pragma once

#include <optional>
#include <string>

namespace harness {

class Sandbox {
 public:
  Sandbox();   // enters a fresh sandbox (throws, naming the call, if it cannot)
  ~Sandbox();  // back to the namespaces the test started in, and the same directory
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // The sandbox's mount table, read through the /proc it started with: still readable when a
  // container's proc mount propagated on top of /proc.
  std::optional<std::string> mountinfo() const;

 private:
  int proc_ = -1;  // O_PATH descriptor of /proc as it was when the sandbox was made
};

}  // namespace harness
