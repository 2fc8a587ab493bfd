// Text cut at a separator: config.json's dotted keys, paths, the lines and fields of the kernel's
// files; and text put in columns, for the tables minirun prints. By hand, not with std::views::split, which clang cannot compile against GCC 12's library
// (the config parser's fuzzer is built with clang).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minirun {

// Every piece, empty ones included: "a.b" -> {"a", "b"}; "/x/" -> {"", "x", ""}; "" -> {""}.
std::vector<std::string_view> split(std::string_view text, char separator);

// Rows as runc prints its tables (`list`, `ps`): each column as wide as its widest cell, at least 10,
// then three spaces; the last column as it is.
std::string aligned_columns(const std::vector<std::vector<std::string>>& rows);

}  // namespace minirun
