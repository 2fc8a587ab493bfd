// Integers read from JSON without nlohmann's silent casts. get<T>() turns any JSON number into any
// arithmetic T with a plain cast: 1.5 becomes 1, -1 becomes uid 4294967295, 4294967296 becomes
// uid 0 (root), and 1e30 is undefined behaviour. An integer field takes a JSON integer that fits.
#pragma once

#include "base/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace minirun {

// Error naming the field at `path` when `value` is a number T cannot hold. A value that is no
// number at all is left to get<T>(), whose message names the wrong type.
template <typename T>
void check_integer(const nlohmann::json& value, const std::string& path) {
  if (!value.is_number()) return;
  bool fits = value.is_number_unsigned() ? std::in_range<T>(value.get<uint64_t>())
                                         : value.is_number_integer() && std::in_range<T>(value.get<int64_t>());
  if (fits) return;
  throw Error("invalid field \"" + path + "\": " + value.dump() + " is not an integer from " +
              std::to_string(std::numeric_limits<T>::min()) + " to " + std::to_string(std::numeric_limits<T>::max()));
}

}  // namespace minirun
