// The wall clock as the OCI state and the JSON log lines write it.
#pragma once

#include <string>

namespace minirun {

// UTC with nanoseconds: "2024-05-01T12:00:00.123456789Z".
std::string now_rfc3339();

}  // namespace minirun
