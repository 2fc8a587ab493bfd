// Text cut at a separator: config.json's dotted keys, paths, the lines and fields of the kernel's
// files. By hand, not with std::views::split, which clang cannot compile against GCC 12's library
// (the config parser's fuzzer is built with clang).
#pragma once

#include <string_view>
#include <vector>

namespace minirun {

// Every piece, empty ones included: "a.b" -> {"a", "b"}; "/x/" -> {"", "x", ""}; "" -> {""}.
std::vector<std::string_view> split(std::string_view text, char separator);

}  // namespace minirun
