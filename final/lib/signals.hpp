// Signal names as `kill` and runc accept them: "TERM", "SIGTERM", "term" or "15".
#pragma once

#include <string>

namespace minirun {

int parse_signal(const std::string& text);

}  // namespace minirun
