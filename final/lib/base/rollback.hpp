// Undo steps for a multi-step operation: each step that creates something registers how to remove
// it; if the operation fails half way, the destructor runs the undo steps in reverse order, so a
// failed `create` leaves nothing behind. commit() keeps everything once the operation succeeded.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace minirun {

class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    for (auto step = undo_.rbegin(); step != undo_.rend(); ++step) {
      try {
        (*step)();
      } catch (...) {
        // Best effort: one failed undo step must not stop the others.
      }
    }
  }

  void add(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  void commit() { undo_.clear(); }

 private:
  std::vector<std::function<void()>> undo_;
};

}  // namespace minirun
